//! The tables other than procedures: types (on demand), the customer schema, knowledge,
//! components, audiences, secrets and variables.

use std::collections::HashMap;

use super::expr::Scope;
use super::{Gen, Result, missing};
use crate::codegen::module::{
    AudienceDef, BUILTIN_TYPES, BaseType, CheckDef, ComponentDef, Dep, DepKind, FieldDef,
    Knowledge, LIST_TYPE_NAME, RECORD_TYPE_NAME, Shape, TypeDef, VarDef, builtin_type_defs,
};
use crate::semantics::{self, VarKey};
use crate::syntax::ast::{
    Field, FileId, ItemKind, KnowledgeKind, TypeDecl, TypeExpr, TypeExprKind, VarItemKind,
};

/// How many attempts a variable gets without `attempts`.
const DEFAULT_ATTEMPTS: u32 = 3;

/// Fills every table but the procedures.
pub(super) fn lower_tables(g: &mut Gen<'_>) -> Result<()> {
    g.module.types = builtin_type_defs();
    let items = g.names.items.clone();
    // User type declarations first, in declaration order, so their indexes are stable;
    // standard-library types join when first used.
    for (file, item) in &items {
        if let ItemKind::Type(t) = &item.kind {
            g.named_type(*file, t)?;
        }
    }
    for (file, item) in &items {
        match &item.kind {
            ItemKind::Customer(c) => {
                for f in &c.fields {
                    if next(&g.names.customer, &f.name.name, g.module.customer.len()) {
                        let def = g.field(f)?;
                        g.module.customer.push(def);
                    }
                }
            }
            ItemKind::Knowledge(k) => {
                let (map, table) = match k.kind {
                    KnowledgeKind::Source => (&g.names.sources, &mut g.module.sources),
                    KnowledgeKind::Faq => (&g.names.faqs, &mut g.module.faqs),
                    KnowledgeKind::Topic => (&g.names.topics, &mut g.module.topics),
                };
                if next(map, &k.name.name, table.len()) {
                    table.push(Knowledge {
                        name: k.name.name.clone(),
                        id: k.id.value.clone(),
                    });
                }
            }
            // A name declared twice (refused by analysis) keeps its first entry.
            ItemKind::Component(c)
                if next(&g.names.components, &c.name.name, g.module.components.len()) =>
            {
                let input = g.fields(&c.input)?;
                let output = g.fields(&c.output)?;
                g.module.components.push(ComponentDef {
                    name: c.name.name.clone(),
                    id: c.id.value.clone(),
                    input,
                    output,
                });
            }
            ItemKind::Audience(a)
                if next(&g.names.audiences, &a.name.name, g.module.audiences.len()) =>
            {
                let cond = g.expr_chunk(Scope::top(*file), &a.expr)?;
                g.module.audiences.push(AudienceDef {
                    name: a.name.name.clone(),
                    cond,
                });
            }
            ItemKind::Secret(s) if next(&g.names.secrets, &s.name, g.module.secrets.len()) => {
                g.module.secrets.push(s.name.clone());
            }
            _ => {}
        }
    }
    lower_vars(g)
}

/// Whether `name` is numbered as the next entry of a table of `len` entries.
fn next(map: &HashMap<&str, u32>, name: &str, len: usize) -> bool {
    map.get(name).is_some_and(|&i| i as usize == len)
}

fn lower_vars(g: &mut Gen<'_>) -> Result<()> {
    let decls = g.names.var_decls.clone();
    for (file, decl, owner) in decls {
        let (ty, optional) = g.type_of(&decl.ty)?;
        let owner_id = match owner {
            Some(p) => Some(super::names::find(&g.names.procs, "procedure", p)?),
            None => None,
        };
        let scope = Scope {
            file,
            procedure: owner,
            value: None,
            result: false,
            failure: false,
        };
        let check_scope = Scope {
            value: Some(decl.name.name.as_str()),
            ..scope
        };
        let mut def = VarDef {
            name: decl.name.name.clone(),
            ty,
            optional,
            owner: owner_id,
            ask: None,
            when: None,
            checks: Vec::new(),
            default: None,
            attempts: DEFAULT_ATTEMPTS,
            choices: None,
            suggestions: None,
            invalid: None,
            deps: Vec::new(),
        };
        for item in &decl.items {
            match &item.kind {
                VarItemKind::Ask(t) => def.ask = Some(g.template_chunk(scope, t)?),
                VarItemKind::When(x) => def.when = Some(g.expr_chunk(scope, x)?),
                VarItemKind::Check { expr, message } => {
                    let cond = g.expr_chunk(check_scope, expr)?;
                    let message = g.template_chunk(check_scope, message)?;
                    def.checks.push(CheckDef { cond, message });
                }
                VarItemKind::Default(x) => def.default = Some(g.expr_chunk(scope, x)?),
                VarItemKind::Attempts(n) => {
                    def.attempts = u32::try_from(n.value.max(1)).unwrap_or(u32::MAX)
                }
                VarItemKind::Choices(x) => def.choices = Some(g.expr_chunk(scope, x)?),
                VarItemKind::Suggestions(x) => def.suggestions = Some(g.expr_chunk(scope, x)?),
                VarItemKind::Invalid(t) => {
                    let invalid_scope = Scope {
                        value: Some("value"),
                        ..scope
                    };
                    def.invalid = Some(g.template_chunk(invalid_scope, t)?)
                }
            }
        }
        let key = match owner {
            Some(p) => VarKey::Local {
                procedure: p.to_string(),
                name: decl.name.name.clone(),
            },
            None => VarKey::Conversation(decl.name.name.clone()),
        };
        for (dep, kind) in g.graph.deps(&key) {
            let var = g
                .names
                .vars
                .get(&dep)
                .copied()
                .ok_or_else(|| missing(format!("unknown variable `{}`", dep.name())))?;
            let kind = match kind {
                semantics::DepKind::Prompt => DepKind::Prompt,
                semantics::DepKind::Guard => DepKind::Guard,
            };
            def.deps.push(Dep { var, kind });
        }
        g.module.vars.push(def);
    }
    Ok(())
}

impl Gen<'_> {
    /// A field's table entry.
    pub(super) fn field(&mut self, f: &Field) -> Result<FieldDef> {
        // Field types are resolved in the file of the declaration; names are global.
        let (ty, optional) = self.type_of(&f.ty)?;
        Ok(FieldDef {
            name: f.name.name.clone(),
            ty,
            optional,
        })
    }

    /// A type expression's index, and whether it is optional.
    pub(super) fn type_of(&mut self, t: &TypeExpr) -> Result<(u32, bool)> {
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
            TypeExprKind::Named(name) => self.type_named(&name.name)?,
            TypeExprKind::List(item) => {
                let (item, _) = self.type_of(item)?;
                self.shape_type(Shape::List(item), LIST_TYPE_NAME)
            }
            TypeExprKind::Record(fields) => {
                let fields = self.fields(fields)?;
                self.shape_type(Shape::Record(fields), RECORD_TYPE_NAME)
            }
        };
        Ok((id, t.optional))
    }

    /// The table entries of typed fields (`returns`, a component's `output`, a record
    /// shape), in written order; a name given twice (refused by analysis) keeps its
    /// first entry.
    pub(super) fn fields(&mut self, fields: &[Field]) -> Result<Vec<FieldDef>> {
        let mut defs: Vec<FieldDef> = Vec::with_capacity(fields.len());
        for f in fields {
            let def = self.field(f)?;
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

    fn type_named(&mut self, name: &str) -> Result<u32> {
        if let Some(i) = BUILTIN_TYPES.iter().position(|b| *b == name) {
            return Ok(i as u32);
        }
        if let Some(&id) = self.types.get(name) {
            return Ok(id);
        }
        let (file, decl) = self
            .names
            .type_decls
            .get(name)
            .copied()
            .ok_or_else(|| missing(format!("unknown type `{name}`")))?;
        self.named_type(file, decl)
    }

    /// Adds a refinement type (once), its parent first.
    fn named_type(&mut self, file: FileId, decl: &TypeDecl) -> Result<u32> {
        let name = decl.name.name.as_str();
        if let Some(&id) = self.types.get(name) {
            return Ok(id);
        }
        if self.resolving.iter().any(|r| r == name) {
            return Err(missing(format!("type `{name}` refines itself")));
        }
        self.resolving.push(name.to_string());
        let (parent, _) = self.type_of(&decl.base)?;
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
        self.types.insert(name.to_string(), id);
        if let (Some(cond), Some(message)) = (&decl.check, &decl.message) {
            let scope = Scope {
                value: Some("value"),
                ..Scope::top(file)
            };
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
