//! The server's view of the files: the editor's open documents, the other files of each
//! project (read from disk once), and each project's latest analysis.
//!
//! A file belongs to the project `procc check` would give it when run on the workspace
//! folder ([`crate::compiler::discover`]); a file outside the workspace belongs to the
//! project of its own folder. An edit re-checks its project from memory: files are read
//! from disk only when a project is first loaded or a document is closed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::compiler::{Compilation, analyze_with, discover};
use crate::diagnostics::{Diagnostic, Sources};
use crate::syntax::ast::{FileId, SourceFile};
use crate::syntax::{ParseCache, parse_file_reusing};

/// One project: its files, and its analysis once checked.
pub(super) struct ProjectState {
    /// The user's files, in the order `procc check` compiles them.
    pub files: Vec<PathBuf>,
    /// The latest analysis (user files first, then the standard library), stopped before
    /// code generation; shared with the verifier thread (`verify`) while it generates.
    pub analysis: Option<Arc<Compilation>>,
    /// The number of the latest analysis in the workspace, so that a verifier outcome
    /// is matched with its analysis (project indexes may shift, numbers are not reused).
    pub generation: u64,
    /// What generating and verifying the latest analysis added to its diagnostics, once
    /// known: with the analysis's, the diagnostics of `procc check`.
    pub late: Vec<Diagnostic>,
    /// Whether generation and verification of the latest analysis are done (or not
    /// needed: a program with errors is not generated).
    pub verified: bool,
    /// Whether a text changed since the analysis.
    pub stale: bool,
    /// Per file id of the analysis: its syntax errors and the parse of each of its
    /// declarations, for the next check (see [`FileParse`]).
    parsed: Vec<FileParse>,
}

/// What the next check reuses of a file's parse: when the text did not change, the
/// whole parse (the `SourceFile` is taken from the analysis, the errors from here);
/// when it did, the parse of each declaration whose text did not change (an edit
/// re-parses one declaration, not the file: see [`parse_file_reusing`]).
#[derive(Default)]
struct FileParse {
    /// The file's syntax errors.
    errors: Vec<Diagnostic>,
    /// Its declarations' parses.
    cache: ParseCache,
}

impl ProjectState {
    /// The path of a file of the analysis: a user file or a standard-library module.
    pub(super) fn path_of(&self, file: FileId, stdlib_dir: &Path) -> Option<PathBuf> {
        let index = file.0 as usize;
        if let Some(path) = self.files.get(index) {
            return Some(path.clone());
        }
        let analysis = self.analysis.as_ref()?;
        let source = analysis.sources.get(file);
        Some(stdlib_dir.join(source.path.strip_prefix("std/")?))
    }

    /// The id of a path in the analysis (user files and standard-library modules).
    pub(super) fn file_id(&self, path: &Path, stdlib_dir: &Path) -> Option<FileId> {
        if let Some(index) = self.files.iter().position(|f| f == path) {
            return Some(FileId(index as u32));
        }
        let analysis = self.analysis.as_ref()?;
        let relative = path.strip_prefix(stdlib_dir).ok()?;
        let display = format!("std/{}", relative.to_string_lossy());
        analysis
            .stdlib
            .iter()
            .copied()
            .find(|&id| analysis.sources.get(id).path == display)
    }
}

/// Every document and project the server knows.
pub(super) struct Workspace {
    /// The workspace folder the editor opened, if any.
    pub root: Option<PathBuf>,
    /// Where the embedded standard library is written so editors can open it.
    pub stdlib_dir: PathBuf,
    /// Texts of the documents open in the editor (they win over the disk).
    open: HashMap<PathBuf, String>,
    /// Texts of the other files, read from disk once.
    disk: HashMap<PathBuf, String>,
    /// The projects met so far.
    pub projects: Vec<ProjectState>,
    /// How many analyses were made: numbers them across projects.
    checks: u64,
}

impl Workspace {
    /// An empty workspace rooted at `root`; writes the standard library to `stdlib_dir`.
    pub(super) fn new(root: Option<PathBuf>, stdlib_dir: PathBuf) -> Self {
        write_stdlib(&stdlib_dir);
        Workspace {
            root,
            stdlib_dir,
            open: HashMap::new(),
            disk: HashMap::new(),
            projects: Vec::new(),
            checks: 0,
        }
    }

    /// The text of a file: the editor's if open, else the disk's (read once).
    pub(super) fn text(&mut self, path: &Path) -> Option<&str> {
        if self.open.contains_key(path) {
            return self.open.get(path).map(String::as_str);
        }
        if !self.disk.contains_key(path) {
            let text = std::fs::read_to_string(path).ok()?;
            self.disk.insert(path.to_path_buf(), text);
        }
        self.disk.get(path).map(String::as_str)
    }

    /// Records an open document's text; returns its project.
    pub(super) fn set_open(&mut self, path: &Path, text: String) -> usize {
        self.open.insert(path.to_path_buf(), text);
        let project = self.project_of(path);
        self.projects[project].stale = true;
        project
    }

    /// The editor closed a document: its text is the disk's again.
    pub(super) fn close(&mut self, path: &Path) -> Option<usize> {
        self.open.remove(path);
        self.disk.remove(path);
        let project = self.known_project(path)?;
        self.projects[project].stale = true;
        Some(project)
    }

    /// The project `path` belongs to, discovering it on first use.
    pub(super) fn project_of(&mut self, path: &Path) -> usize {
        if let Some(index) = self.known_project(path) {
            return index;
        }
        let root = match &self.root {
            Some(root) if path.starts_with(root) => root.clone(),
            _ => path.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let found = discover(std::slice::from_ref(&root)).unwrap_or_default();
        let files = found
            .into_iter()
            .map(|project| project.files)
            .find(|files| files.iter().any(|f| f == path))
            .unwrap_or_else(|| vec![path.to_path_buf()]);
        // A project met before through another file keeps its state; a file new to it
        // (created since) joins it.
        self.projects
            .retain(|p| !p.files.iter().any(|f| files.contains(f)));
        self.projects.push(ProjectState {
            files,
            analysis: None,
            generation: 0,
            late: Vec::new(),
            verified: false,
            stale: true,
            parsed: Vec::new(),
        });
        self.projects.len() - 1
    }

    fn known_project(&self, path: &Path) -> Option<usize> {
        self.projects
            .iter()
            .position(|p| p.files.iter().any(|f| f == path))
    }

    /// Analyses a project from the texts in memory, if its analysis is not current.
    /// Files whose text did not change since the last check keep their parse. Code
    /// generation and verification are left to the caller (the server runs them after
    /// publishing the analysis's diagnostics).
    pub(super) fn analyze(&mut self, project: usize) -> Option<&Compilation> {
        let state = self.projects.get(project)?;
        if state.stale || state.analysis.is_none() {
            let files = state.files.clone();
            let mut sources = Sources::new();
            for path in &files {
                let text = self.text(path).unwrap_or("").to_string();
                sources.add(path.display().to_string(), text);
            }
            self.checks += 1;
            let generation = self.checks;
            let state = &mut self.projects[project];
            let mut previous = Previous::from(state.analysis.take());
            let mut old = std::mem::take(&mut state.parsed);
            let mut parsed = Vec::with_capacity(old.len());
            let compilation = analyze_with(sources, |id, text| {
                let earlier = old.get_mut(id.0 as usize).map(std::mem::take);
                match (earlier, previous.reuse(id, text)) {
                    (Some(earlier), Some(file)) => {
                        let errors = earlier.errors.clone();
                        parsed.push(earlier);
                        (file, errors)
                    }
                    (earlier, _) => {
                        let cache = earlier.map(|e| e.cache).unwrap_or_default();
                        let (file, errors, cache) = parse_file_reusing(id, text, cache);
                        parsed.push(FileParse {
                            errors: errors.clone(),
                            cache,
                        });
                        (file, errors)
                    }
                }
            });
            state.parsed = parsed;
            state.verified = compilation.has_errors();
            state.analysis = Some(Arc::new(compilation));
            state.generation = generation;
            state.late.clear();
            state.stale = false;
        }
        self.projects[project].analysis.as_deref()
    }

    /// The project of a path and its current analysis.
    pub(super) fn analysis_for(&mut self, path: &Path) -> Option<(usize, &ProjectState)> {
        let project = self.project_of(path);
        self.analyze(project)?;
        Some((project, &self.projects[project]))
    }
}

/// The previous analysis of a project, whose parses a new check reuses for the files
/// whose text is the same (compared whole: cheaper than hashing it).
enum Previous {
    /// The first check.
    Nothing,
    /// No one else holds the analysis: its parses move into the new one.
    Owned {
        sources: Sources,
        files: Vec<Option<SourceFile>>,
    },
    /// The verifier thread still reads it: its parses are copied.
    Shared(Arc<Compilation>),
}

impl From<Option<Arc<Compilation>>> for Previous {
    fn from(analysis: Option<Arc<Compilation>>) -> Self {
        match analysis.map(Arc::try_unwrap) {
            None => Previous::Nothing,
            Some(Ok(old)) => Previous::Owned {
                sources: old.sources,
                files: old.files.into_iter().map(Some).collect(),
            },
            Some(Err(shared)) => Previous::Shared(shared),
        }
    }
}

impl Previous {
    /// The earlier parse of file `id` if its text was `text`.
    fn reuse(&mut self, id: FileId, text: &str) -> Option<SourceFile> {
        let index = id.0 as usize;
        match self {
            Previous::Nothing => None,
            Previous::Owned { sources, files } => {
                if !same_text(sources, id, text) {
                    return None;
                }
                files.get_mut(index)?.take()
            }
            Previous::Shared(old) => {
                if !same_text(&old.sources, id, text) {
                    return None;
                }
                old.files.get(index).cloned()
            }
        }
    }
}

/// Whether file `id` of `sources` has the text `text`.
fn same_text(sources: &Sources, id: FileId, text: &str) -> bool {
    (id.0 as usize) < sources.len() && sources.get(id).text == text
}

/// Writes the embedded standard library where go-to-definition can point, unless it is
/// there already with the same text.
fn write_stdlib(dir: &Path) {
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    for (name, text) in crate::stdlib::MODULES {
        let path = dir.join(format!("{name}.proc"));
        if std::fs::read_to_string(&path).ok().as_deref() != Some(*text) {
            let _ = std::fs::write(&path, text);
        }
    }
}
