//! Lowering a checked program to a [`Module`].
//!
//! The program has passed semantic analysis, so names resolve and types agree; still,
//! nothing here panics: a name semantic analysis did not resolve is a [`CodegenError`].
//! **Architecture invariant:** codegen resolves no name. Every declaration's index and
//! what each name stands for come from [`Resolved`] (`analysis.resolved`), looked up by
//! the name's position; [`tables`] and [`body`] build each table entry and its chunks,
//! using [`expr`] for expressions and templates. Refinement types are added on first
//! use, so a standard-library type is included exactly when something uses it.
//!
//! Layout follows `docs/language-notes.md`: the built-in types at indexes 0..6, then
//! refinements and `one_of`s; procedures and the trigger index in declaration order;
//! bodies collect, approve, act, then run the outcome statements and `Done`.

mod body;
mod emit;
mod expr;
mod tables;

use rustc_hash::{FxHashMap, FxHashSet};
use std::fmt;

use crate::codegen::isa::{ChunkId, Const, ConstId, StrId};
use crate::codegen::module::Module;
use crate::diagnostics::{Diagnostic, Sources};
use crate::limits::{MAX_CHUNK_LEN, MAX_PARTS};
use crate::semantics::resolved::{Resolved, Target};
use crate::semantics::{Analysis, DateLiterals, codes};
use crate::syntax::ast::{FileId, Ident, Item, SourceFile, Span};
use emit::Emitter;

/// Code generation met something semantic analysis should have refused, or a program
/// past a limit of the bundle format.
#[derive(Clone, Debug, PartialEq)]
pub struct CodegenError {
    /// What was missing or inconsistent.
    pub message: String,
    /// For a program past a limit of the bundle format: the located diagnostic to report
    /// (then the error is the author's to fix, not a compiler bug). Boxed: errors travel
    /// through every lowering function's `Result`, which stays small.
    pub diagnostic: Option<Box<Diagnostic>>,
}

/// Where each chunk of a generated module comes from, to turn a verifier refusal (a
/// stack too deep, regexes too large) into a located diagnostic.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    chunks: Vec<ChunkSource>,
    /// The chunks that are the condition of an `if` or `else if` (each has its own:
    /// chunks are never shared), which `procc test --coverage` maps the interpreter's
    /// branch trace back to source with.
    conditions: FxHashSet<ChunkId>,
}

#[derive(Clone, Debug)]
struct ChunkSource {
    file: FileId,
    span: Span,
    marks: Vec<(u32, u32, Span)>,
}

impl SourceMap {
    /// The file and span of the innermost composite expression (list, object, template,
    /// call) of `chunk` holding instruction `pc`, else of the whole chunk's source.
    pub fn locate(&self, chunk: ChunkId, pc: Option<u32>) -> Option<(FileId, Span)> {
        let source = self.chunks.get(chunk as usize)?;
        let innermost = pc.and_then(|pc| {
            source
                .marks
                .iter()
                .filter(|(start, end, _)| (*start..*end).contains(&pc))
                .min_by_key(|(start, end, _)| end - start)
        });
        let span = innermost.map_or(&source.span, |(_, _, span)| span);
        Some((source.file, span.clone()))
    }
}

impl SourceMap {
    /// The file and span of the condition chunk `chunk` is, when it is the condition of
    /// an `if` or `else if` (`None` for any other chunk).
    pub fn if_condition(&self, chunk: ChunkId) -> Option<(FileId, Span)> {
        self.conditions
            .contains(&chunk)
            .then(|| self.locate(chunk, None))
            .flatten()
    }
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
        diagnostic: None,
    }
}

/// A program past a limit of the bundle format, at `span`.
pub(super) fn past_limit(
    code: &'static str,
    message: String,
    (file, span): (FileId, &Span),
    help: &str,
) -> CodegenError {
    CodegenError {
        diagnostic: Some(Box::new(limit_diagnostic(
            code,
            message.clone(),
            file,
            span,
            help,
        ))),
        message,
    }
}

/// The diagnostic of a construct at `span` past a limit of the bundle format. It points
/// at the construct's first character: what goes past a limit is huge, and a label over
/// all of it would print all of it.
pub fn limit_diagnostic(
    code: &'static str,
    message: String,
    file: FileId,
    span: &Span,
    help: &str,
) -> Diagnostic {
    let opening = span.start..(span.start + 1).min(span.end);
    Diagnostic::error(code, message, file, opening)
        .with_primary_label("past a limit of the bundle format")
        .with_help(help.to_owned())
}

/// A count of items, fields, parts or headers as a 16-bit operand (E0184 past it).
pub(super) fn parts(n: usize, what: &str, at: (FileId, &Span)) -> Result<u16> {
    u16::try_from(n).map_err(|_| {
        past_limit(
            codes::TOO_MANY_PARTS,
            format!("this has {n} {what}, more than a bundle can hold ({MAX_PARTS})"),
            at,
            "split it into smaller parts",
        )
    })
}

/// Lowers a checked program, reporting what is missing instead of panicking.
///
/// `files` are every parsed file of the build (user files, then the standard library)
/// and `analysis` is what semantic analysis made of them: which files are the standard
/// library's (their items are included only when imported, or, for types, when
/// something uses them), the variable dependency graph, and the text literals read as
/// dates (they become date constants).
pub fn generate(files: &[SourceFile], sources: &Sources, analysis: &Analysis) -> Result<Module> {
    generate_mapped(files, sources, analysis).map(|(module, _)| module)
}

/// [`generate`], with where each chunk comes from.
pub fn generate_mapped(
    files: &[SourceFile],
    sources: &Sources,
    analysis: &Analysis,
) -> Result<(Module, SourceMap)> {
    let mut g = Gen {
        module: Module {
            files: sources.iter().map(|(_, s)| s.path.clone()).collect(),
            ..Module::default()
        },
        sources,
        files: files.iter().map(|f| (f.id, f)).collect(),
        resolved: &analysis.resolved,
        dates: &analysis.date_literals,
        strings: FxHashMap::default(),
        consts: FxHashMap::default(),
        types: FxHashMap::default(),
        one_ofs: FxHashMap::default(),
        shapes: FxHashMap::default(),
        resolving: Vec::new(),
        map: SourceMap::default(),
    };
    tables::lower_tables(&mut g)?;
    body::lower_procedures(&mut g)?;
    Ok((g.module, g.map))
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
    /// The parsed files, by id.
    files: FxHashMap<FileId, &'a SourceFile>,
    /// What semantic analysis resolved: table indexes, and what each name stands for.
    resolved: &'a Resolved,
    /// Text literals that stand for dates.
    dates: &'a DateLiterals,
    strings: FxHashMap<String, StrId>,
    consts: FxHashMap<ConstKey, ConstId>,
    /// Refinement types already in the table: index in `resolved.types` to index in
    /// the module's.
    types: FxHashMap<u32, u32>,
    /// `one_of` types already in the table, by their choices.
    one_ofs: FxHashMap<Vec<String>, u32>,
    /// Each list and record shape added so far, to give equal shapes one entry.
    shapes: FxHashMap<crate::codegen::module::Shape, u32>,
    /// Refinement types being added (to stop on a cycle semantic analysis missed).
    resolving: Vec<u32>,
    /// Where each chunk comes from.
    map: SourceMap,
}

impl<'a> Gen<'a> {
    /// The top-level item `index` of `file`.
    pub(super) fn item(&self, file: FileId, index: usize) -> Result<&'a Item> {
        self.files
            .get(&file)
            .and_then(|f| f.items.get(index))
            .ok_or_else(|| missing(format!("no item {index} in file {}", file.0)))
    }

    /// What semantic analysis found `name` (written in `file`) to stand for.
    pub(super) fn target(&self, file: FileId, name: &Ident) -> Result<Target> {
        self.resolved
            .target(file, name)
            .ok_or_else(|| missing(format!("unresolved name `{}`", name.name)))
    }

    /// The table index of `name`, which must stand for a `kind` (`Target::Audience`...).
    pub(super) fn index(&self, file: FileId, name: &Ident, kind: fn(u32) -> Target) -> Result<u32> {
        let target = self.target(file, name)?;
        target
            .index()
            .filter(|&i| kind(i) == target)
            .ok_or_else(|| missing(format!("`{}` is not what it is used as", name.name)))
    }

    /// Whether the declaration named `name` is the next entry of a table of `len`
    /// entries of `kind` (a name declared twice, refused by analysis, keeps its first).
    pub(super) fn is_next(
        &self,
        file: FileId,
        name: &Ident,
        kind: fn(u32) -> Target,
        len: usize,
    ) -> bool {
        u32::try_from(len).is_ok_and(|len| self.resolved.target(file, name) == Some(kind(len)))
    }

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

    /// Adds a finished chunk generated from `span` of `file`; E0180 when it is longer
    /// than a chunk may be.
    pub(super) fn chunk(&mut self, e: Emitter, file: FileId, span: &Span) -> Result<ChunkId> {
        let (chunk, marks) = e.finish();
        if chunk.code.len() > MAX_CHUNK_LEN {
            return Err(past_limit(
                codes::CHUNK_TOO_LONG,
                format!(
                    "this compiles to {} instructions, more than one chunk of a bundle may hold ({MAX_CHUNK_LEN})",
                    chunk.code.len()
                ),
                (file, span),
                "split it: give parts of it their own conversation variable, audience or procedure",
            ));
        }
        self.module.chunks.push(chunk);
        self.map.chunks.push(ChunkSource {
            file,
            span: span.clone(),
            marks,
        });
        Ok((self.module.chunks.len() - 1) as ChunkId)
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
