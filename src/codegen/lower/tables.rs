//! The tables other than procedures: types (on demand), the customer schema, knowledge,
//! components, audiences, secrets and variables.

use super::expr::Scope;
use super::{Gen, Result, missing};
use crate::codegen::module::{
    AudienceDef, BUILTIN_TYPES, BaseType, CheckDef, ComponentDef, Dep, DepKind, FieldDef,
    Knowledge, LIST_TYPE_NAME, RECORD_TYPE_NAME, Shape, TypeDef, VarDef, builtin_type_defs,
};
use crate::semantics::{self, resolved::Target};
use crate::syntax::ast::{
    Field, FileId, ItemKind, KnowledgeKind, ProcItemKind, TypeExpr, TypeExprKind, VarDecl,
    VarItemKind,
};

/// How many attempts a variable gets without `attempts`.
const DEFAULT_ATTEMPTS: u32 = 3;

/// Fills every table but the procedures.
pub(super) fn lower_tables(g: &mut Gen<'_>) -> Result<()> {
    g.module.types = builtin_type_defs();
    let items = g
        .resolved
        .items
        .iter()
        .map(|&(file, index)| Ok((file, g.item(file, index)?)))
        .collect::<Result<Vec<_>>>()?;
    // User type declarations first, in declaration order, so their indexes are stable;
    // standard-library types join when first used.
    for (file, item) in &items {
        if let ItemKind::Type(t) = &item.kind {
            let index = g.index(*file, &t.name, Target::Type)?;
            g.named_type(index)?;
        }
    }
    for &(file, item) in &items {
        match &item.kind {
            ItemKind::Customer(c) => {
                for f in &c.fields {
                    if g.is_next(file, &f.name, Target::Customer, g.module.customer.len()) {
                        let def = g.field(file, f)?;
                        g.module.customer.push(def);
                    }
                }
            }
            ItemKind::Knowledge(k) => {
                let (kind, len): (fn(u32) -> Target, _) = match k.kind {
                    KnowledgeKind::Source => (Target::Source, g.module.sources.len()),
                    KnowledgeKind::Faq => (Target::Faq, g.module.faqs.len()),
                    KnowledgeKind::Topic => (Target::Topic, g.module.topics.len()),
                };
                if g.is_next(file, &k.name, kind, len) {
                    let table = match k.kind {
                        KnowledgeKind::Source => &mut g.module.sources,
                        KnowledgeKind::Faq => &mut g.module.faqs,
                        KnowledgeKind::Topic => &mut g.module.topics,
                    };
                    table.push(Knowledge {
                        name: k.name.name.clone(),
                        id: k.id.value.clone(),
                    });
                }
            }
            // A name declared twice (refused by analysis) keeps its first entry.
            ItemKind::Component(c)
                if g.is_next(file, &c.name, Target::Component, g.module.components.len()) =>
            {
                let input = g.fields(file, &c.input)?;
                let output = g.fields(file, &c.output)?;
                g.module.components.push(ComponentDef {
                    name: c.name.name.clone(),
                    id: c.id.value.clone(),
                    input,
                    output,
                });
            }
            ItemKind::Audience(a)
                if g.is_next(file, &a.name, Target::Audience, g.module.audiences.len()) =>
            {
                let cond = g.expr_chunk(Scope::top(file), &a.expr)?;
                g.module.audiences.push(AudienceDef {
                    name: a.name.name.clone(),
                    cond,
                });
            }
            ItemKind::Secret(s) if g.is_next(file, s, Target::Secret, g.module.secrets.len()) => {
                g.module.secrets.push(s.name.clone());
            }
            _ => {}
        }
    }
    lower_vars(g)
}

/// The declaration of variable `index`, conversation or local.
fn var_decl<'a>(g: &Gen<'a>, index: usize) -> Result<(FileId, &'a VarDecl)> {
    let slot = g
        .resolved
        .vars
        .get(index)
        .ok_or_else(|| missing(format!("no variable {index}")))?;
    let item = g.item(slot.file, slot.item)?;
    let decl = match (&item.kind, slot.local) {
        (ItemKind::Var(v), None) => Some(v),
        (ItemKind::Procedure(p), Some(local)) => match p.items.get(local).map(|i| &i.kind) {
            Some(ProcItemKind::Var(v)) => Some(v),
            _ => None,
        },
        _ => None,
    };
    let decl = decl.ok_or_else(|| missing(format!("variable {index} is not a `var`")))?;
    Ok((slot.file, decl))
}

fn lower_vars(g: &mut Gen<'_>) -> Result<()> {
    for index in 0..g.resolved.vars.len() {
        let (file, decl) = var_decl(g, index)?;
        let slot = &g.resolved.vars[index];
        let (owner, deps) = (slot.owner, &slot.deps);
        let deps = deps
            .iter()
            .map(|&(var, kind)| Dep {
                var,
                kind: match kind {
                    semantics::DepKind::Prompt => DepKind::Prompt,
                    semantics::DepKind::Guard => DepKind::Guard,
                },
            })
            .collect();
        let (ty, optional) = g.type_of(file, &decl.ty)?;
        let scope = Scope::top(file);
        let mut def = VarDef {
            name: decl.name.name.clone(),
            ty,
            optional,
            owner,
            ask: None,
            when: None,
            checks: Vec::new(),
            default: None,
            attempts: DEFAULT_ATTEMPTS,
            choices: None,
            suggestions: None,
            invalid: None,
            deps,
        };
        for item in &decl.items {
            match &item.kind {
                VarItemKind::Ask(t) => def.ask = Some(g.template_chunk(scope, t)?),
                VarItemKind::When(x) => def.when = Some(g.expr_chunk(scope, x)?),
                VarItemKind::Check { expr, message } => {
                    let cond = g.expr_chunk(scope, expr)?;
                    let message = g.template_chunk(scope, message)?;
                    def.checks.push(CheckDef { cond, message });
                }
                VarItemKind::Default(x) => def.default = Some(g.expr_chunk(scope, x)?),
                VarItemKind::Attempts(n) => {
                    def.attempts = u32::try_from(n.value.max(1)).unwrap_or(u32::MAX)
                }
                VarItemKind::Choices(x) => def.choices = Some(g.expr_chunk(scope, x)?),
                VarItemKind::Suggestions(x) => def.suggestions = Some(g.expr_chunk(scope, x)?),
                // `value` (the refused answer) is resolved by semantics.
                VarItemKind::Invalid(t) => def.invalid = Some(g.template_chunk(scope, t)?),
            }
        }
        g.module.vars.push(def);
    }
    Ok(())
}

impl Gen<'_> {
    /// A field's table entry; `file` is where it is declared.
    pub(super) fn field(&mut self, file: FileId, f: &Field) -> Result<FieldDef> {
        let (ty, optional) = self.type_of(file, &f.ty)?;
        Ok(FieldDef {
            name: f.name.name.clone(),
            ty,
            optional,
        })
    }

    /// A type expression's index, and whether it is optional; `file` is where it is
    /// written.
    pub(super) fn type_of(&mut self, file: FileId, t: &TypeExpr) -> Result<(u32, bool)> {
        let id = match &t.kind {
            TypeExprKind::OneOf(choices) => {
                let choices: Vec<String> = choices.iter().map(|c| c.value.clone()).collect();
                if let Some(&id) = self.one_ofs.get(&choices) {
                    id
                } else {
                    let id = self.module.types.len() as u32;
                    self.module.types.push(TypeDef {
                        name: "one_of".into(),
                        base: BaseType::Text,
                        parent: None,
                        choices: choices.clone(),
                        check: None,
                        shape: Shape::Scalar,
                    });
                    self.one_ofs.insert(choices, id);
                    id
                }
            }
            // The module's built-in types are semantics' own, in the same order.
            TypeExprKind::Named(name) => match self.target(file, name)? {
                Target::BuiltinType(i) if (i as usize) < BUILTIN_TYPES.len() => i,
                Target::Type(index) => self.named_type(index)?,
                _ => return Err(missing(format!("`{}` is not a type", name.name))),
            },
            TypeExprKind::List(item) => {
                let (item, _) = self.type_of(file, item)?;
                self.shape_type(Shape::List(item), LIST_TYPE_NAME)
            }
            TypeExprKind::Record(fields) => {
                let fields = self.fields(file, fields)?;
                self.shape_type(Shape::Record(fields), RECORD_TYPE_NAME)
            }
        };
        Ok((id, t.optional))
    }

    /// The table entries of typed fields (`returns`, a component's `output`, a record
    /// shape) written in `file`, in written order; a name given twice (refused by
    /// analysis) keeps its first entry.
    pub(super) fn fields(&mut self, file: FileId, fields: &[Field]) -> Result<Vec<FieldDef>> {
        let mut defs: Vec<FieldDef> = Vec::with_capacity(fields.len());
        for f in fields {
            let def = self.field(file, f)?;
            if !defs.iter().any(|d| d.name == def.name) {
                defs.push(def);
            }
        }
        Ok(defs)
    }

    /// The entry of a list or record shape (once per distinct shape), after the types
    /// it refers to.
    fn shape_type(&mut self, shape: Shape, name: &str) -> u32 {
        if let Some(&id) = self.shapes.get(&shape) {
            return id;
        }
        let id = self.module.types.len() as u32;
        self.module.types.push(TypeDef {
            name: name.to_owned(),
            base: BaseType::Json,
            parent: None,
            choices: Vec::new(),
            check: None,
            shape: shape.clone(),
        });
        self.shapes.insert(shape, id);
        id
    }

    /// Adds refinement type `index` of `resolved.types` (once), its parent first.
    fn named_type(&mut self, index: u32) -> Result<u32> {
        if let Some(&id) = self.types.get(&index) {
            return Ok(id);
        }
        let &(file, item) = self
            .resolved
            .types
            .get(index as usize)
            .ok_or_else(|| missing(format!("no type {index}")))?;
        let ItemKind::Type(decl) = &self.item(file, item)?.kind else {
            return Err(missing(format!("type {index} is not a `type`")));
        };
        let name = decl.name.name.as_str();
        if self.resolving.contains(&index) {
            return Err(missing(format!("type `{name}` refines itself")));
        }
        self.resolving.push(index);
        let (parent, _) = self.type_of(file, &decl.base)?;
        let base = self
            .module
            .types
            .get(parent as usize)
            .map(|t| t.base)
            .unwrap_or(BaseType::Json);
        let id = self.module.types.len() as u32;
        self.module.types.push(TypeDef {
            name: name.to_string(),
            base,
            parent: Some(parent),
            choices: vec![],
            check: None,
            shape: Shape::Scalar,
        });
        self.types.insert(index, id);
        if let (Some(cond), Some(message)) = (&decl.check, &decl.message) {
            let scope = Scope::top(file);
            let cond = self.expr_chunk(scope, cond)?;
            let message = self.template_chunk(scope, message)?;
            if let Some(t) = self.module.types.get_mut(id as usize) {
                t.check = Some(CheckDef { cond, message });
            }
        }
        self.resolving.pop();
        Ok(id)
    }
}
