//! The first pass: which items the build includes, and each declaration's index in its
//! table. The second pass fills the tables in exactly this order.

use std::collections::{HashMap, HashSet};

use super::{Result, missing};
use crate::semantics::{Analysis, VarKey};
use crate::syntax::ast::{
    FileId, Item, ItemKind, KnowledgeKind, LookupDecl, ProcItemKind, ProcedureDecl, SourceFile,
    TypeDecl, VarDecl,
};

/// Every declaration's index.
pub(super) struct Names<'a> {
    /// The included items, in declaration order (files in build order).
    pub items: Vec<(FileId, &'a Item)>,
    /// Every type declaration of every file, by name (types are included on use).
    pub type_decls: HashMap<&'a str, (FileId, &'a TypeDecl)>,
    /// Customer attributes.
    pub customer: HashMap<&'a str, u32>,
    /// Sources.
    pub sources: HashMap<&'a str, u32>,
    /// FAQs.
    pub faqs: HashMap<&'a str, u32>,
    /// Topics.
    pub topics: HashMap<&'a str, u32>,
    /// Components.
    pub components: HashMap<&'a str, u32>,
    /// Audiences.
    pub audiences: HashMap<&'a str, u32>,
    /// Secrets.
    pub secrets: HashMap<&'a str, u32>,
    /// Variables, conversation and local, in declaration order.
    pub vars: HashMap<VarKey, u32>,
    /// Variable and lookup declarations in index order, with their file and owning
    /// procedure (lookups share the variable table: §4 collects them alike).
    pub var_decls: Vec<(FileId, VarSource<'a>, Option<&'a str>)>,
    /// Procedures.
    pub procs: HashMap<&'a str, u32>,
    /// Procedure declarations in index order.
    pub proc_decls: Vec<(FileId, &'a ProcedureDecl)>,
}

/// What an entry of the variable table is declared by.
#[derive(Clone, Copy)]
pub(super) enum VarSource<'a> {
    /// A `var` block.
    Var(&'a VarDecl),
    /// A `lookup` block.
    Lookup(&'a LookupDecl),
}

impl<'a> VarSource<'a> {
    /// The declared name.
    pub(super) fn name(&self) -> &'a str {
        match self {
            VarSource::Var(v) => &v.name.name,
            VarSource::Lookup(l) => &l.name.name,
        }
    }
}

fn insert<'a>(map: &mut HashMap<&'a str, u32>, name: &'a str) {
    let next = map.len() as u32;
    map.entry(name).or_insert(next);
}

impl<'a> Names<'a> {
    /// Collects the included items and numbers every declaration.
    ///
    /// Which files are the standard library's, and which of their items the build
    /// imports, is what semantic analysis decided: a user's file is never taken for the
    /// standard library because of its path.
    pub(super) fn collect(files: &'a [SourceFile], analysis: &Analysis) -> Result<Names<'a>> {
        let imported_set: HashSet<(FileId, usize)> = analysis.imported.iter().copied().collect();
        let std_files: HashSet<FileId> = analysis.stdlib.iter().copied().collect();
        let is_std = |id: FileId| std_files.contains(&id);
        let mut n = Names {
            items: Vec::new(),
            type_decls: HashMap::new(),
            customer: HashMap::new(),
            sources: HashMap::new(),
            faqs: HashMap::new(),
            topics: HashMap::new(),
            components: HashMap::new(),
            audiences: HashMap::new(),
            secrets: HashMap::new(),
            vars: HashMap::new(),
            var_decls: Vec::new(),
            procs: HashMap::new(),
            proc_decls: Vec::new(),
        };
        for file in files {
            let std = is_std(file.id);
            for (index, item) in file.items.iter().enumerate() {
                if let ItemKind::Type(t) = &item.kind {
                    n.type_decls
                        .entry(t.name.name.as_str())
                        .or_insert((file.id, t));
                }
                if std && !imported_set.contains(&(file.id, index)) {
                    continue;
                }
                n.items.push((file.id, item));
            }
        }
        let items = n.items.clone();
        for (file, item) in items {
            n.number(file, item)?;
        }
        Ok(n)
    }

    fn number(&mut self, file: FileId, item: &'a Item) -> Result<()> {
        match &item.kind {
            ItemKind::Customer(c) => {
                for f in &c.fields {
                    if self.customer.contains_key(f.name.name.as_str()) {
                        return Err(missing(format!(
                            "customer attribute `{}` declared twice",
                            f.name.name
                        )));
                    }
                    insert(&mut self.customer, &f.name.name);
                }
            }
            ItemKind::Knowledge(k) => {
                let map = match k.kind {
                    KnowledgeKind::Source => &mut self.sources,
                    KnowledgeKind::Faq => &mut self.faqs,
                    KnowledgeKind::Topic => &mut self.topics,
                };
                insert(map, &k.name.name);
            }
            ItemKind::Component(c) => insert(&mut self.components, &c.name.name),
            ItemKind::Audience(a) => insert(&mut self.audiences, &a.name.name),
            ItemKind::Secret(s) => insert(&mut self.secrets, &s.name),
            ItemKind::Var(v) => self.var(
                VarKey::Conversation(v.name.name.clone()),
                file,
                VarSource::Var(v),
                None,
            ),
            ItemKind::Lookup(l) => self.var(
                VarKey::Conversation(l.name.name.clone()),
                file,
                VarSource::Lookup(l),
                None,
            ),
            ItemKind::Procedure(p) => {
                if self.procs.contains_key(p.name.name.as_str()) {
                    return Err(missing(format!(
                        "procedure `{}` declared twice",
                        p.name.name
                    )));
                }
                insert(&mut self.procs, &p.name.name);
                self.proc_decls.push((file, p));
                for it in &p.items {
                    let source = match &it.kind {
                        ProcItemKind::Var(v) => VarSource::Var(v),
                        ProcItemKind::Lookup(l) => VarSource::Lookup(l),
                        _ => continue,
                    };
                    let key = VarKey::Local {
                        procedure: p.name.name.clone(),
                        name: source.name().to_string(),
                    };
                    self.var(key, file, source, Some(&p.name.name));
                }
            }
            ItemKind::Use(_) | ItemKind::Type(_) | ItemKind::Test(_) => {}
        }
        Ok(())
    }

    fn var(&mut self, key: VarKey, file: FileId, decl: VarSource<'a>, owner: Option<&'a str>) {
        if self.vars.contains_key(&key) {
            return;
        }
        self.vars.insert(key, self.var_decls.len() as u32);
        self.var_decls.push((file, decl, owner));
    }

    /// A variable visible from a procedure (its locals first) or from the top level.
    pub(super) fn lookup_var(&self, procedure: Option<&str>, name: &str) -> Option<u32> {
        procedure
            .and_then(|p| {
                self.vars.get(&VarKey::Local {
                    procedure: p.to_string(),
                    name: name.to_string(),
                })
            })
            .or_else(|| self.vars.get(&VarKey::Conversation(name.to_string())))
            .copied()
    }
}

/// Looks a name up in a table map, or reports it missing.
pub(super) fn find(map: &HashMap<&str, u32>, what: &str, name: &str) -> Result<u32> {
    map.get(name)
        .copied()
        .ok_or_else(|| missing(format!("unknown {what} `{name}`")))
}
