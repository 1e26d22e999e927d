//! Embeds the UI test cases (`tests/ui/<CODE>_<name>.proc`, one minimal example per
//! diagnostic code) so that `procc explain CODE` can show and check an example.

use std::io::Write;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=tests/ui");
    let dir = PathBuf::from("tests/ui");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "proc"))
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    let mut out = String::from("/// `(file name, text)` of every UI case, sorted by name.\n");
    out.push_str("pub(crate) const UI_EXAMPLES: &[(&str, &str)] = &[\n");
    for case in &cases {
        let (Some(name), Ok(absolute)) = (case.file_name(), std::fs::canonicalize(case)) else {
            continue;
        };
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            name.to_string_lossy(),
            absolute.display().to_string()
        ));
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".to_string()))
        .join("ui_examples.rs");
    if let Ok(mut file) = std::fs::File::create(target) {
        let _ = file.write_all(out.as_bytes());
    }
}
