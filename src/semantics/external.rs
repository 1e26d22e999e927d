//! Checks that hand text to other languages: URL templates (parsed with `url`) and the
//! JavaScript of `script` (parsed with `oxc_parser`).

use oxc_allocator::Allocator;
use oxc_parser::Parser;
use oxc_span::SourceType;

use super::checker::Checker;
use super::codes;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{FileId, Script, Span, Template, TemplatePart};

impl<'a> Checker<'a> {
    /// A URL template must be an absolute http(s) URL once each `{expr}` is replaced by
    /// a placeholder.
    pub(super) fn check_url_template(&mut self, file: FileId, template: &Template, what: &str) {
        let mut text = String::new();
        // Where each interpolated value stands in `text`, and its span.
        let mut values = Vec::new();
        for part in &template.parts {
            match part {
                TemplatePart::Text { value, .. } => text.push_str(value),
                TemplatePart::Expr(expr) => {
                    values.push((text.len(), expr.span.clone()));
                    text.push('x');
                }
            }
        }
        self.check_url_places(file, template, &text, &values, what);
        let problem = match url::Url::parse(&text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => None,
            Ok(url) => Some(format!(
                "the scheme `{}` is not http or https",
                url.scheme()
            )),
            Err(error) => Some(error.to_string()),
        };
        if let Some(problem) = problem {
            self.diags.push(
                Diagnostic::error(
                    codes::INVALID_URL,
                    format!("{what} is not a valid URL: {problem}"),
                    file,
                    template.span.clone(),
                )
                .with_primary_label("invalid URL")
                .with_help("write an absolute URL such as `https://example.com/path?q={value}`"),
            );
        }
    }

    /// §5/§7: values may stand only in the path, query and fragment (never the scheme,
    /// host or port, where one would choose where the request goes), and the template's
    /// own path has no `.`/`..` segment (a client resolves those away).
    fn check_url_places(
        &mut self,
        file: FileId,
        template: &Template,
        text: &str,
        values: &[(usize, Span)],
        what: &str,
    ) {
        let Some(scheme_end) = text.find("://") else {
            return; // Not absolute: reported as an invalid URL.
        };
        let authority_start = scheme_end + 3;
        let authority_end = text[authority_start..]
            .find(['/', '?', '#'])
            .map_or(text.len(), |at| authority_start + at);
        for (at, span) in values {
            if *at < authority_end {
                self.diags.push(
                    Diagnostic::error(
                        codes::URL_VALUE_IN_ORIGIN,
                        format!("{what} interpolates a value into its scheme, host or port"),
                        file,
                        span.clone(),
                    )
                    .with_primary_label("this value would decide where the request goes")
                    .with_help(
                        "write the scheme, host and port as text, followed by `/`; values may stand only in the path, query and fragment",
                    ),
                );
            }
        }
        let path = &text[authority_end..];
        let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
        if path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        {
            self.diags.push(
                Diagnostic::error(
                    codes::URL_DOT_SEGMENT,
                    format!("{what} has a `.` or `..` path segment"),
                    file,
                    template.span.clone(),
                )
                .with_primary_label("a client would resolve this segment away")
                .with_help("write the path the request is meant for, without `.` or `..` segments"),
            );
        }
    }

    /// The JavaScript of a `script` must parse; the first syntax error is reported at
    /// its place in the `.proc` file.
    pub(super) fn check_script(&mut self, file: FileId, script: &Script) {
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, &script.code, SourceType::default()).parse();
        let Some(error) = parsed.diagnostics.first() else {
            return;
        };
        let span = error
            .labels
            .first()
            .map(|label| {
                let start = map_offset(script, label.offset() as usize);
                let end = map_offset(script, (label.offset() + label.len()) as usize);
                start..end.max(start)
            })
            .unwrap_or_else(|| script.span.clone());
        let mut diag = Diagnostic::error(
            codes::INVALID_JAVASCRIPT,
            format!("invalid JavaScript: {}", error.message),
            file,
            span,
        )
        .with_primary_label(
            error
                .labels
                .first()
                .and_then(|l| l.label())
                .unwrap_or("here")
                .to_string(),
        )
        .with_label(file, script.span.clone(), "in this script");
        diag.help = error.help.as_ref().map(|h| h.to_string());
        self.diags.push(diag);
    }
}

/// Maps an offset in `script.code` to an offset in the file, through the start of its
/// line; falls back to the literal's start when the line is not known.
fn map_offset(script: &Script, offset: usize) -> usize {
    let code = &script.code;
    let offset = offset.min(code.len());
    let line = code
        .get(..offset)
        .map_or(0, |before| before.matches('\n').count());
    let line_start = code
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1);
    match script.line_starts.get(line) {
        Some(start) => start + (offset - line_start),
        None => script.span.start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_through_line_starts() {
        let script = Script {
            code: "a();\nb(;".to_string(),
            span: 10..40,
            line_starts: vec![20, 30],
        };
        assert_eq!(map_offset(&script, 0), 20);
        assert_eq!(map_offset(&script, 7), 32);
        let short = Script {
            line_starts: vec![],
            ..script
        };
        assert_eq!(map_offset(&short, 7), 10);
    }
}
