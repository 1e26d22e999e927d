//! The compiler driver: finds a project's `.proc` files, parses them together with the
//! embedded standard library, analyses them, and generates a verified bundle.
//!
//! Stages stay independent; this module only runs them in order and keeps the
//! [`Sources`] that every diagnostic refers to.

use std::fmt;
use std::path::PathBuf;

use crate::bundle::verify::{Rule, Verified};
use crate::codegen::module::Module;
use crate::codegen::{CodegenError, SourceMap};
use crate::diagnostics::{Diagnostic, Sources};
use crate::semantics::codes;
use crate::semantics::{Analysis, analyze};
use crate::syntax::ast::{FileId, SourceFile};
use crate::syntax::parse_file;

mod files;
mod project;

pub use files::{MANIFEST, MAX_FILE_BYTES, read_text};
pub use project::{Manifest, Project, discover, find_root, layout_hint, project_of, read_manifest};

/// A path could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub struct LoadError {
    /// The path.
    pub path: PathBuf,
    /// Why.
    pub problem: LoadProblem,
}

/// Why a path could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadProblem {
    /// The file system refused (a missing file, no permission...).
    Io(std::io::Error),
    /// A project file's `include` names a path the file system refuses.
    Include {
        /// The path as the project file gives it.
        include: PathBuf,
        /// The file system's error.
        source: std::io::Error,
    },
    /// A file was expected and this is a directory.
    Directory,
    /// Not a regular file (a FIFO, socket or device).
    NotRegular,
    /// Larger than [`MAX_FILE_BYTES`].
    TooLarge,
    /// Not UTF-8 text.
    NotUtf8 {
        /// The offset of the first invalid byte.
        offset: usize,
    },
    /// A project file that is not valid TOML for a project.
    Manifest(toml::de::Error),
    /// A project file whose `name` is empty.
    EmptyName,
}

impl LoadError {
    /// The error of `path`.
    pub(crate) fn new(path: impl Into<PathBuf>, problem: LoadProblem) -> LoadError {
        LoadError {
            path: path.into(),
            problem,
        }
    }
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadProblem::Io(error) => error.fmt(f),
            LoadProblem::Include { include, source } => {
                write!(f, "`include` names {}: {source}", include.display())
            }
            LoadProblem::Directory => f.write_str("is a directory"),
            LoadProblem::NotRegular => f.write_str(
                "not a regular file (a FIFO, socket or device); procc reads only regular files",
            ),
            LoadProblem::TooLarge => write!(
                f,
                "larger than {} MiB, the most procc reads from one file",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            LoadProblem::NotUtf8 { offset } => {
                write!(f, "not UTF-8 text (invalid byte at offset {offset})")
            }
            LoadProblem::Manifest(error) => {
                write!(f, "not a valid project file: {}", error.message())
            }
            LoadProblem::EmptyName => f.write_str("the project's `name` is empty"),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read {}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            LoadProblem::Io(error) | LoadProblem::Include { source: error, .. } => Some(error),
            LoadProblem::Manifest(error) => Some(error),
            _ => None,
        }
    }
}

/// Reads a project's files into a fresh [`Sources`].
pub fn load(project: &Project) -> Result<Sources, LoadError> {
    let mut sources = Sources::new();
    for path in &project.files {
        let text = read_text(path)?;
        sources.add(path.display().to_string(), text);
    }
    Ok(sources)
}

/// The result of parsing and analysing one project.
pub struct Compilation {
    /// Every file's text: the user's files first, then the standard library.
    pub sources: Sources,
    /// Every parsed file, in the same order.
    pub files: Vec<SourceFile>,
    /// The ids of the standard library's files.
    pub stdlib: Vec<FileId>,
    /// The semantic analysis.
    pub analysis: Analysis,
    /// Syntax and semantic diagnostics together, sorted by file and position; with the
    /// limits of the bundle format (E0180–E0189) when the program is otherwise correct.
    pub diagnostics: Vec<Diagnostic>,
    /// The verified module and where its chunks come from, generated when the program
    /// has no errors.
    generated: Option<Generated>,
    /// Whether the generate-and-verify stage ran ([`compile`] runs it; [`analyze_with`]
    /// leaves it to [`Compilation::finish`]).
    finished: bool,
}

/// The outcome of generating and verifying a program: the verified module and where its
/// chunks come from, or why it could not be generated (with a located diagnostic when the
/// verifier refused a limit of the bundle format).
pub type Generated = Result<(Verified, SourceMap), CodegenError>;

impl Compilation {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Whether any diagnostic is a warning.
    pub fn has_warnings(&self) -> bool {
        self.diagnostics.iter().any(|d| !d.is_error())
    }

    /// Generates the bytecode module. Call only when [`Compilation::has_errors`] is false;
    /// an error here is a program the checker should have refused.
    pub fn generate(&self) -> Result<Module, CodegenError> {
        match &self.generated {
            Some(generated) => generated
                .as_ref()
                .map(|(verified, _)| verified.clone().into_module())
                .map_err(Clone::clone),
            None => crate::codegen::generate(&self.files, &self.sources, &self.analysis),
        }
    }

    /// The generated module with the verifier's approval (it ran once, in [`compile`]),
    /// for `vm::Program::from_verified`. Call only when [`Compilation::has_errors`] is
    /// false; an error here is a program the checker should have refused.
    pub fn verified(&self) -> Result<Verified, CodegenError> {
        self.verified_mapped().map(|(verified, _)| verified)
    }

    /// [`Compilation::verified`], with where each chunk of the module comes from (which
    /// chunks are `if` conditions, for `procc test --coverage`).
    pub fn verified_mapped(&self) -> Result<(Verified, &SourceMap), CodegenError> {
        match &self.generated {
            Some(Ok((verified, map))) => Ok((verified.clone(), map)),
            Some(Err(error)) => Err(error.clone()),
            None if !self.finished => Err(CodegenError {
                message: "the program was only analysed: nothing was generated".to_owned(),
                diagnostic: None,
            }),
            None => Err(CodegenError {
                message: "the program has errors: nothing was generated".to_owned(),
                diagnostic: None,
            }),
        }
    }

    /// Runs the generate-and-verify stage on a compilation from [`analyze_with`], as
    /// [`compile`] does: a program without errors is generated and verified, and a
    /// refusal of the verifier joins [`Compilation::diagnostics`]. Does nothing the
    /// second time.
    pub fn finish(&mut self) {
        if self.finished {
            return;
        }
        let generated = self.generate_verified();
        if let Some(Err(error)) = &generated {
            self.diagnostics
                .extend(error.diagnostic.as_deref().cloned());
            crate::diagnostics::sort(&mut self.diagnostics);
        }
        self.generated = generated;
        self.finished = true;
    }

    /// The generate-and-verify stage of [`Compilation::finish`] without recording its
    /// outcome, so that it can run while the analysis is shared (the language server runs
    /// it on another thread): `None` when the program has errors and is not generated.
    pub fn generate_verified(&self) -> Option<Generated> {
        (!self.has_errors()).then(|| generate_verified(&self.files, &self.sources, &self.analysis))
    }
}

/// Parses `sources` (the user's files) with the embedded standard library and analyses
/// everything together.
pub fn compile(sources: Sources) -> Compilation {
    compile_with(sources, parse_file)
}

/// [`compile`] with the parser given: `parse` is called once per file, in id order (the
/// user's files, then the standard library), and may hand back an earlier parse of the
/// same text (the language server does, so a keystroke re-parses one file).
pub fn compile_with(
    sources: Sources,
    parse: impl FnMut(FileId, &str) -> (SourceFile, Vec<Diagnostic>),
) -> Compilation {
    let mut compilation = analyze_with(sources, parse);
    // A correct program is generated and verified here, so that a limit of the bundle
    // format is a located diagnostic of `check`, not a failure of `build`.
    compilation.finish();
    compilation
}

/// [`compile_with`] stopped after analysis: `diagnostics` holds the syntax and semantic
/// ones, and [`Compilation::finish`] adds what generating and verifying the program
/// finds. The language server publishes the analysis's diagnostics first, and runs
/// [`Compilation::generate_verified`] on another thread.
pub fn analyze_with(
    mut sources: Sources,
    mut parse: impl FnMut(FileId, &str) -> (SourceFile, Vec<Diagnostic>),
) -> Compilation {
    let stdlib: Vec<FileId> = crate::stdlib::MODULES
        .iter()
        .map(|(name, text)| sources.add(crate::stdlib::display_path(name), *text))
        .collect();
    let mut diagnostics = Vec::new();
    let files: Vec<SourceFile> = sources
        .iter()
        .map(|(id, source)| {
            let (file, syntax_errors) = parse(id, &source.text);
            diagnostics.extend(syntax_errors);
            file
        })
        .collect();
    let analysis = analyze(&files, &sources, &stdlib);
    diagnostics.extend(analysis.diagnostics.iter().cloned());
    crate::diagnostics::sort(&mut diagnostics);
    Compilation {
        sources,
        files,
        stdlib,
        analysis,
        diagnostics,
        generated: None,
        finished: false,
    }
}

/// Generates the module and runs the verifier on it; a refusal becomes a diagnostic at
/// the source of the chunk (and instruction) it names.
fn generate_verified(
    files: &[SourceFile],
    sources: &Sources,
    analysis: &Analysis,
) -> Result<(Verified, SourceMap), CodegenError> {
    let (module, map) = crate::codegen::generate_mapped(files, sources, analysis)?;
    let refusal = match Verified::new(module) {
        Ok(verified) => return Ok((verified, map)),
        Err(refusal) => refusal,
    };
    let (code, help) = match refusal.rule {
        Rule::LimitExceeded => (
            codes::TOO_MANY_VALUES,
            "split long lists, objects or templates, or nest fewer of them inside each other",
        ),
        Rule::InvalidRegex => (
            codes::REGEXES_TOO_LARGE,
            "use fewer or simpler regular expressions (large counted repetitions like `\\w{500}` compile to a lot)",
        ),
        _ => (
            codes::VERIFIER_REFUSED,
            "this is a defect of procc: please report it with this file",
        ),
    };
    // A refusal outside bytecode is placed at the start of the first file.
    let (file, span) = refusal
        .chunk
        .and_then(|chunk| map.locate(chunk, refusal.instr))
        .unwrap_or((FileId(0), 0..0));
    let diagnostic =
        crate::codegen::limit_diagnostic(code, refusal.detail.clone(), file, &span, help);
    Err(CodegenError {
        message: refusal.to_string(),
        diagnostic: Some(Box::new(diagnostic)),
    })
}
