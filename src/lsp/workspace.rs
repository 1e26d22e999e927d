//! The server's view of the files: the editor's open documents, the other files of each
//! project (read from disk once), and each project's latest analysis.
//!
//! A file belongs to the project `procc check` would give it when run on the workspace
//! folder ([`crate::compiler::discover`]); a file outside the workspace belongs to the
//! project of its own folder. An edit re-checks its project from memory: files are read
//! from disk only when a project is first loaded or a document is closed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::compiler::{Compilation, compile, discover};
use crate::diagnostics::Sources;
use crate::syntax::ast::FileId;

/// One project: its files, and its analysis once checked.
pub struct ProjectState {
    /// The user's files, in the order `procc check` compiles them.
    pub files: Vec<PathBuf>,
    /// The latest analysis (user files first, then the standard library), if current.
    pub analysis: Option<Compilation>,
}

impl ProjectState {
    /// The path of a file of the analysis: a user file or a standard-library module.
    pub fn path_of(&self, file: FileId, stdlib_dir: &Path) -> Option<PathBuf> {
        let index = file.0 as usize;
        if let Some(path) = self.files.get(index) {
            return Some(path.clone());
        }
        let analysis = self.analysis.as_ref()?;
        let source = analysis.sources.get(file);
        Some(stdlib_dir.join(source.path.strip_prefix("std/")?))
    }

    /// The id of a path in the analysis (user files and standard-library modules).
    pub fn file_id(&self, path: &Path, stdlib_dir: &Path) -> Option<FileId> {
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
pub struct Workspace {
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
}

impl Workspace {
    /// An empty workspace rooted at `root`; writes the standard library to `stdlib_dir`.
    pub fn new(root: Option<PathBuf>, stdlib_dir: PathBuf) -> Self {
        write_stdlib(&stdlib_dir);
        Workspace {
            root,
            stdlib_dir,
            open: HashMap::new(),
            disk: HashMap::new(),
            projects: Vec::new(),
        }
    }

    /// The text of a file: the editor's if open, else the disk's (read once).
    pub fn text(&mut self, path: &Path) -> Option<&str> {
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
    pub fn set_open(&mut self, path: &Path, text: String) -> usize {
        self.open.insert(path.to_path_buf(), text);
        let project = self.project_of(path);
        self.projects[project].analysis = None;
        project
    }

    /// The editor closed a document: its text is the disk's again.
    pub fn close(&mut self, path: &Path) -> Option<usize> {
        self.open.remove(path);
        self.disk.remove(path);
        let project = self
            .projects
            .iter()
            .position(|p| p.files.iter().any(|f| f == path))?;
        self.projects[project].analysis = None;
        Some(project)
    }

    /// The project `path` belongs to, discovering it on first use.
    pub fn project_of(&mut self, path: &Path) -> usize {
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
        });
        self.projects.len() - 1
    }

    fn known_project(&self, path: &Path) -> Option<usize> {
        self.projects
            .iter()
            .position(|p| p.files.iter().any(|f| f == path))
    }

    /// Checks a project from the texts in memory, if its analysis is not current.
    pub fn analyze(&mut self, project: usize) -> Option<&Compilation> {
        if self.projects.get(project)?.analysis.is_none() {
            let files = self.projects[project].files.clone();
            let mut sources = Sources::new();
            for path in &files {
                let text = self.text(path).unwrap_or("").to_string();
                sources.add(path.display().to_string(), text);
            }
            self.projects[project].analysis = Some(compile(sources));
        }
        self.projects[project].analysis.as_ref()
    }

    /// The project of a path and its current analysis.
    pub fn analysis_for(&mut self, path: &Path) -> Option<(usize, &ProjectState)> {
        let project = self.project_of(path);
        self.analyze(project)?;
        Some((project, &self.projects[project]))
    }
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
