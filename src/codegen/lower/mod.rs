//! Lowering a checked program to a [`Module`].
//!
//! The program has passed semantic analysis, so names resolve and types agree; still,
//! nothing here panics: a missing name is a [`CodegenError`]. Lowering runs in two
//! passes: [`names`] gives every declaration its index (so chunks can refer to things
//! declared later), then [`tables`] and [`body`] build each table entry and its chunks,
//! using [`expr`] for expressions and templates. Types are resolved on demand, so a
//! standard-library type is included exactly when something uses it.
//!
//! Layout follows `docs/language-notes.md`: the built-in types at indexes 0..6, then
//! refinements and `one_of`s; procedures and the trigger index in declaration order;
//! bodies collect, approve, act, then run the outcome statements and `Done`.

mod body;
mod emit;
mod expr;
mod names;
mod tables;

use std::collections::HashMap;
use std::fmt;

use crate::codegen::isa::{Chunk, ChunkId, Const, ConstId, StrId};
use crate::codegen::module::Module;
use crate::diagnostics::Sources;
use crate::semantics::{Analysis, DateLiterals, VarGraph};
use crate::syntax::ast::{FileId, SourceFile, Span};

/// Code generation met something semantic analysis should have refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodegenError {
    /// What was missing or inconsistent.
    pub message: String,
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "internal code generation error: {}", self.message)
    }
}

impl std::error::Error for CodegenError {}

/// Shorthand for lowering results.
pub(super) type Result<T> = std::result::Result<T, CodegenError>;

/// Builds an error.
pub(super) fn missing(message: impl Into<String>) -> CodegenError {
    CodegenError {
        message: message.into(),
    }
}

/// Lowers a checked program, reporting what is missing instead of panicking.
///
/// `files` are every parsed file of the build (user files, then the standard library)
/// and `analysis` is what semantic analysis made of them: which files are the standard
/// library's (their items are included only when imported, or, for types, when
/// something uses them), the variable dependency graph, and the text literals read as
/// dates (they become date constants).
pub fn generate(files: &[SourceFile], sources: &Sources, analysis: &Analysis) -> Result<Module> {
    let graph = &analysis.graph;
    let names = names::Names::collect(files, analysis)?;
    let mut g = Gen {
        module: Module {
            files: sources.iter().map(|(_, s)| s.path.clone()).collect(),
            ..Module::default()
        },
        sources,
        graph,
        dates: &analysis.date_literals,
        names,
        strings: HashMap::new(),
        consts: HashMap::new(),
        types: HashMap::new(),
        one_ofs: HashMap::new(),
        resolving: Vec::new(),
    };
    tables::lower_tables(&mut g)?;
    body::lower_procedures(&mut g)?;
    Ok(g.module)
}

/// A constant as a hashable key, for deduplication (numbers by their bits).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum ConstKey {
    Int(i64),
    Number(u64),
    Bool(bool),
    Date(i32),
    Absent,
}

/// The state of code generation.
struct Gen<'a> {
    /// The module being built.
    module: Module,
    /// The texts, for line numbers.
    sources: &'a Sources,
    /// The variable graph: collection order and dependencies.
    graph: &'a VarGraph,
    /// Text literals that stand for dates.
    dates: &'a DateLiterals,
    /// Every declaration's index.
    names: names::Names<'a>,
    strings: HashMap<String, StrId>,
    consts: HashMap<ConstKey, ConstId>,
    /// Named types already in the table.
    types: HashMap<String, u32>,
    /// `one_of` types already in the table, by their choices.
    one_ofs: HashMap<Vec<String>, u32>,
    /// Named types being resolved (to stop on a cycle semantic analysis missed).
    resolving: Vec<String>,
}

impl Gen<'_> {
    /// Interns a string.
    pub(super) fn string(&mut self, s: &str) -> StrId {
        if let Some(&id) = self.strings.get(s) {
            return id;
        }
        let id = self.module.strings.len() as StrId;
        self.module.strings.push(s.to_string());
        self.strings.insert(s.to_string(), id);
        id
    }

    /// Interns a constant.
    pub(super) fn constant(&mut self, c: Const) -> ConstId {
        let key = match c {
            Const::Int(i) => ConstKey::Int(i),
            Const::Number(n) => ConstKey::Number(n.to_bits()),
            Const::Bool(b) => ConstKey::Bool(b),
            Const::Date(d) => ConstKey::Date(d),
            Const::Absent => ConstKey::Absent,
        };
        if let Some(&id) = self.consts.get(&key) {
            return id;
        }
        let id = self.module.consts.len() as ConstId;
        self.module.consts.push(c);
        self.consts.insert(key, id);
        id
    }

    /// Adds a finished chunk.
    pub(super) fn chunk(&mut self, chunk: Chunk) -> ChunkId {
        self.module.chunks.push(chunk);
        (self.module.chunks.len() - 1) as ChunkId
    }

    /// The 1-based line of a span's start.
    pub(super) fn line(&self, file: FileId, span: &Span) -> u32 {
        if (file.0 as usize) < self.sources.len() {
            self.sources.line_col(file, span.start).0 as u32
        } else {
            0
        }
    }
}
