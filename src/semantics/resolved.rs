//! What semantic analysis resolved, handed to code generation so that it resolves
//! nothing itself.
//!
//! Every declaration of the build gets its index in its table here, once: the items
//! the build includes (the user's files and the standard-library items they import, in
//! file order) are numbered per table, a name declared twice keeping its first entry.
//! While checking, the checker records at each name it resolves (an identifier's file
//! and start offset) what the name stands for: a declaration (by where it is declared)
//! or a name of the place (`value`, `result`, a failure field, a built-in type).
//! [`Resolved::new`] turns those records into [`Target`]s with table indexes, and
//! numbers each variable's dependencies and each procedure's collection steps from the
//! variable graph.
//!
//! **Architecture invariant:** codegen looks names up only here ([`Resolved::target`]),
//! by position; a name it does not find is a checker bug, reported as an internal error.

use rustc_hash::FxHashMap;

use super::graph::{CollectStep, DepKind, VarGraph, VarKey};
use super::symbols::BUILTIN_TYPES;
use crate::syntax::ast::{
    FileId, Ident, ItemKind, KnowledgeKind, LookupDecl, ProcItemKind, SourceFile, VarDecl,
};

/// A name's position: its file and the byte offset where it starts.
pub type Site = (FileId, usize);

/// What a name stands for where it is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A variable, conversation or local: index into [`Resolved::vars`].
    Var(u32),
    /// A customer attribute, by its index in the customer schema.
    Customer(u32),
    /// A secret, by index.
    Secret(u32),
    /// A procedure: index into [`Resolved::procedures`].
    Procedure(u32),
    /// An audience, by index.
    Audience(u32),
    /// A source, by index.
    Source(u32),
    /// An FAQ, by index.
    Faq(u32),
    /// A topic, by index.
    Topic(u32),
    /// A component, by index.
    Component(u32),
    /// A refinement type: index into [`Resolved::types`].
    Type(u32),
    /// A built-in type: index into [`BUILTIN_TYPES`].
    BuiltinType(u32),
    /// The value being checked: `value`, or a variable's own name in its `check`.
    Value,
    /// `result` / `response` in `on success` of a waiting kind.
    Result,
    /// A field of the failure in `on failure`.
    Failure(FailureField),
}

impl Target {
    /// The table index of a declaration's target.
    pub fn index(self) -> Option<u32> {
        match self {
            Target::Var(i)
            | Target::Customer(i)
            | Target::Secret(i)
            | Target::Procedure(i)
            | Target::Audience(i)
            | Target::Source(i)
            | Target::Faq(i)
            | Target::Topic(i)
            | Target::Component(i)
            | Target::Type(i)
            | Target::BuiltinType(i) => Some(i),
            Target::Value | Target::Result | Target::Failure(_) => None,
        }
    }
}

/// The names of `on failure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureField {
    /// `reason`.
    Reason,
    /// `status`.
    Status,
    /// `response`.
    Response,
}

/// What the checker recorded at a name: the declaration it means, by where that is
/// declared, or a target that needs no declaration.
#[derive(Clone, Copy, Debug)]
pub enum Reference {
    /// The declaration whose name stands at this site.
    Declared(Site),
    /// A variable local to a procedure, by where it is declared.
    Local(Site),
    /// A name of the place or a built-in.
    Is(Target),
}

/// A variable's (or lookup's) table entry: where it is declared, its owner and
/// dependencies.
#[derive(Clone, Debug)]
pub struct VarSlot {
    /// Its file.
    pub file: FileId,
    /// Its top-level item (the `var`, or the procedure that declares it).
    pub item: usize,
    /// For a local variable: its index among the procedure's items.
    pub local: Option<usize>,
    /// For a local variable: the owning procedure's index.
    pub owner: Option<u32>,
    /// The variables it depends on, by index, in the graph's order.
    pub deps: Vec<(u32, DepKind)>,
    /// The lookups that validate it (§4 "Validation lookups"), by index.
    pub validations: Vec<u32>,
}

/// One step of a procedure's collection, variables by index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Collect this variable.
    Collect(u32),
    /// Check the procedure's requirement at this position.
    Require(usize),
}

/// A procedure's table entry.
#[derive(Clone, Debug)]
pub struct ProcSlot {
    /// Its file.
    pub file: FileId,
    /// Its top-level item.
    pub item: usize,
    /// Its collection steps.
    pub steps: Vec<Step>,
}

/// Everything semantic analysis resolved, by position.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    /// The items the build includes, as (file, item index), in file order.
    pub items: Vec<(FileId, usize)>,
    /// Every variable, in table order.
    pub vars: Vec<VarSlot>,
    /// Every procedure, in table order.
    pub procedures: Vec<ProcSlot>,
    /// Every refinement type declaration of every file, as (file, item index), in file
    /// order. Only those something uses reach the module.
    pub types: Vec<(FileId, usize)>,
    /// What each name stands for: declarations at their own name, uses where written.
    targets: FxHashMap<Site, Target>,
}

impl Resolved {
    /// What the identifier `name` in `file` stands for.
    pub fn target(&self, file: FileId, name: &Ident) -> Option<Target> {
        self.targets.get(&(file, name.span.start)).copied()
    }

    /// Numbers the build's declarations and resolves the checker's `references`.
    pub fn new(
        files: &[SourceFile],
        stdlib: &[FileId],
        imported: &[(FileId, usize)],
        graph: &VarGraph,
        references: &FxHashMap<Site, Reference>,
    ) -> Resolved {
        let mut numbering = Numbering::default();
        let mut resolved = Resolved::default();
        for file in files {
            let std = stdlib.contains(&file.id);
            for (index, item) in file.items.iter().enumerate() {
                if let ItemKind::Type(t) = &item.kind {
                    let id = resolved.types.len() as u32;
                    resolved.types.push((file.id, index));
                    numbering
                        .sites
                        .insert((file.id, t.name.span.start), Target::Type(id));
                }
                if std && !imported.contains(&(file.id, index)) {
                    continue;
                }
                resolved.items.push((file.id, index));
            }
        }
        for (file, index) in resolved.items.clone() {
            let Some(item) = files
                .iter()
                .find(|f| f.id == file)
                .and_then(|f| f.items.get(index))
            else {
                continue;
            };
            numbering.number(file, index, &item.kind, &mut resolved);
        }
        // Every name the checker resolved gets a target, and so does every declaration:
        // sized once, the table never rehashes.
        resolved
            .targets
            .reserve(references.len() + numbering.sites.len());
        for (&site, reference) in references {
            let target = match *reference {
                Reference::Declared(at) | Reference::Local(at) => numbering.sites.get(&at).copied(),
                Reference::Is(target) => Some(target),
            };
            if let Some(target) = target {
                resolved.targets.insert(site, target);
            }
        }
        resolved
            .targets
            .extend(numbering.sites.iter().map(|(s, t)| (*s, *t)));
        for (slot, key) in resolved.vars.iter_mut().zip(&numbering.var_keys) {
            slot.deps = graph
                .deps(key)
                .into_iter()
                .filter_map(|(dep, kind)| Some((*numbering.vars.get(&dep)?, kind)))
                .collect();
            slot.validations = graph
                .validations(key)
                .iter()
                .filter_map(|lookup| numbering.vars.get(lookup).copied())
                .collect();
        }
        for (slot, name) in resolved.procedures.iter_mut().zip(&numbering.proc_names) {
            slot.steps = graph
                .collection_steps(name)
                .iter()
                .filter_map(|step| match step {
                    CollectStep::Collect(key) => numbering.vars.get(key).map(|&v| Step::Collect(v)),
                    CollectStep::Require(index) => Some(Step::Require(*index)),
                })
                .collect();
        }
        resolved
    }
}

/// The index of every declaration, while numbering.
#[derive(Default)]
struct Numbering<'a> {
    /// Each declaration's target, at its name.
    sites: FxHashMap<Site, Target>,
    /// First declarations by table and name (a name declared twice, which analysis
    /// refuses, keeps its first entry). The names borrow from the parsed files.
    tables: FxHashMap<(Table, &'a str), u32>,
    /// How many entries each table has, by [`Table`] discriminant.
    counts: [u32; Table::COUNT],
    /// Variables by key.
    vars: FxHashMap<VarKey, u32>,
    /// Each variable's key, in table order.
    var_keys: Vec<VarKey>,
    /// Each procedure's name, in table order.
    proc_names: Vec<String>,
}

/// The tables numbered by name.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Table {
    Customer,
    Source,
    Faq,
    Topic,
    Component,
    Audience,
    Secret,
    Procedure,
}

impl Table {
    /// How many tables there are.
    const COUNT: usize = 8;
}

impl<'a> Numbering<'a> {
    /// The entry of `name` in `table`, numbering it when it is new.
    fn entry(&mut self, table: Table, name: &'a Ident, file: FileId) -> (u32, bool) {
        let next = self.counts[table as usize];
        let id = *self
            .tables
            .entry((table, name.name.as_str()))
            .or_insert(next);
        let new = id == next;
        if new {
            self.counts[table as usize] = next + 1;
            let target = match table {
                Table::Customer => Target::Customer(id),
                Table::Source => Target::Source(id),
                Table::Faq => Target::Faq(id),
                Table::Topic => Target::Topic(id),
                Table::Component => Target::Component(id),
                Table::Audience => Target::Audience(id),
                Table::Secret => Target::Secret(id),
                Table::Procedure => Target::Procedure(id),
            };
            self.sites.insert((file, name.span.start), target);
        }
        (id, new)
    }

    fn number(&mut self, file: FileId, index: usize, kind: &'a ItemKind, out: &mut Resolved) {
        match kind {
            ItemKind::Customer(c) => {
                for f in &c.fields {
                    self.entry(Table::Customer, &f.name, file);
                }
            }
            ItemKind::Knowledge(k) => {
                let table = match k.kind {
                    KnowledgeKind::Source => Table::Source,
                    KnowledgeKind::Faq => Table::Faq,
                    KnowledgeKind::Topic => Table::Topic,
                };
                self.entry(table, &k.name, file);
            }
            ItemKind::Component(c) => {
                self.entry(Table::Component, &c.name, file);
            }
            ItemKind::Audience(a) => {
                self.entry(Table::Audience, &a.name, file);
            }
            ItemKind::Secret(s) => {
                self.entry(Table::Secret, s, file);
            }
            // Lookups are entries of the variable table (§4 collects them alike).
            ItemKind::Var(VarDecl { name, .. }) | ItemKind::Lookup(LookupDecl { name, .. }) => {
                let key = VarKey::Conversation(name.name.clone());
                let site = (file, name.span.start);
                self.var(key, site, out, (file, index, None, None));
            }
            ItemKind::Procedure(p) => {
                let (id, new) = self.entry(Table::Procedure, &p.name, file);
                if !new {
                    return;
                }
                self.proc_names.push(p.name.name.clone());
                out.procedures.push(ProcSlot {
                    file,
                    item: index,
                    steps: Vec::new(),
                });
                for (local, it) in p.items.iter().enumerate() {
                    let name = match &it.kind {
                        ProcItemKind::Var(v) => &v.name,
                        ProcItemKind::Lookup(l) => &l.name,
                        _ => continue,
                    };
                    let key = VarKey::Local {
                        procedure: p.name.name.clone(),
                        name: name.name.clone(),
                    };
                    let site = (file, name.span.start);
                    self.var(key, site, out, (file, index, Some(local), Some(id)));
                }
            }
            ItemKind::Use(_) | ItemKind::Type(_) | ItemKind::Test(_) => {}
        }
    }

    fn var(
        &mut self,
        key: VarKey,
        site: Site,
        out: &mut Resolved,
        (file, item, local, owner): (FileId, usize, Option<usize>, Option<u32>),
    ) {
        if self.vars.contains_key(&key) {
            return;
        }
        let id = out.vars.len() as u32;
        self.vars.insert(key.clone(), id);
        self.var_keys.push(key);
        self.sites.insert(site, Target::Var(id));
        out.vars.push(VarSlot {
            file,
            item,
            local,
            owner,
            deps: Vec::new(),
            validations: Vec::new(),
        });
    }
}

/// The target of a built-in type name, if it is one.
pub fn builtin_type(name: &str) -> Option<Target> {
    BUILTIN_TYPES
        .iter()
        .position(|b| *b == name)
        .map(|i| Target::BuiltinType(i as u32))
}
