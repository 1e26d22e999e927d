//! `procc test --junit FILE`: the results as JUnit XML, one `<testsuite>` per file, for
//! CI systems that show test reports.

use std::collections::BTreeMap;

use super::ProjectRun;
use super::report::file_line;

/// The JUnit XML document of every project's results.
pub(super) fn render(runs: &[ProjectRun<'_>]) -> String {
    // Suites by file, in file order; cases in declaration order.
    let mut suites: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (mut total, mut failures) = (0, 0);
    for run in runs {
        for result in &run.results {
            let (file, line) = file_line(run, result.file, result.span.start);
            total += 1;
            let mut case = format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{line}\"",
                escape(&result.name),
                escape(&file),
                escape(&file)
            );
            match &result.failure {
                None => case.push_str("/>\n"),
                Some(failure) => {
                    failures += 1;
                    let (path, at) = file_line(run, failure.file, failure.span.start);
                    let message = format!("{} (at {path}:{at})", failure.message);
                    case.push_str(&format!(
                        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                        escape(&message),
                        failure.code,
                        escape(&message)
                    ));
                }
            }
            suites.entry(file).or_default().push(case);
        }
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"procc test\" tests=\"{total}\" failures=\"{failures}\">\n"
    ));
    for (file, cases) in &suites {
        let failed = cases
            .iter()
            .filter(|case| case.contains("<failure"))
            .count();
        xml.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\">\n",
            escape(file),
            cases.len()
        ));
        for case in cases {
            xml.push_str(case);
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// Text made safe for XML attributes and content: the HTML escapes (valid XML too), line
/// breaks and tabs as character references (kept in attributes), and the control
/// characters XML 1.0 forbids as `?`.
fn escape(text: &str) -> String {
    let kept: String = text
        .chars()
        .map(|ch| match ch {
            '\n' | '\t' => ch,
            c if (c as u32) < 0x20 => '?',
            c => c,
        })
        .collect();
    crate::cli::report::html::escape(&kept)
        .replace('\n', "&#10;")
        .replace('\t', "&#9;")
}
