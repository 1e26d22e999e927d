//! Top-level declarations other than procedures and tests, and the pieces they share
//! (fields, types, variable blocks).

use pest::iterators::Pair;

use super::{Lower, child, has, kids};
use crate::syntax::ast::{
    AudienceDecl, ComponentDecl, CustomerDecl, Field, ItemKind, KnowledgeDecl, KnowledgeKind,
    TypeDecl, TypeExpr, TypeExprKind, UseDecl, UseNames, VarDecl, VarItem, VarItemKind,
};
use crate::syntax::grammar::Rule;
use crate::syntax::split::doc_before;

impl Lower<'_> {
    /// The kind of one declaration pair (`use_decl`, `customer_decl`, ...).
    pub(super) fn declaration(&mut self, decl: Pair<'_, Rule>) -> Option<ItemKind> {
        Some(match decl.as_rule() {
            Rule::use_decl => ItemKind::Use(self.use_decl(decl)?),
            Rule::customer_decl => ItemKind::Customer(CustomerDecl {
                fields: self.fields(child(&decl, Rule::fields)?)?,
            }),
            Rule::knowledge_decl => ItemKind::Knowledge(self.knowledge(decl)?),
            Rule::component_decl => ItemKind::Component(self.component(decl)?),
            Rule::audience_decl => {
                let name = self.ident(&child(&decl, Rule::ident)?);
                let expr = self.expr(child(&decl, Rule::expr)?)?;
                ItemKind::Audience(AudienceDecl { name, expr })
            }
            Rule::secret_decl => ItemKind::Secret(self.ident(&child(&decl, Rule::ident)?)),
            Rule::type_decl => ItemKind::Type(self.type_decl(decl)?),
            Rule::var_decl => ItemKind::Var(self.var_decl(decl)?),
            Rule::procedure_decl => ItemKind::Procedure(self.procedure(decl)?),
            Rule::test_decl => ItemKind::Test(self.test(decl)?),
            _ => return None,
        })
    }

    fn use_decl(&mut self, decl: Pair<'_, Rule>) -> Option<UseDecl> {
        let module = self.ident(&child(&decl, Rule::ident)?);
        let names_pair = child(&decl, Rule::use_names)?;
        let names = match child(&names_pair, Rule::star) {
            Some(star) => UseNames::All(self.span(&star)),
            None => UseNames::List(self.idents(names_pair)),
        };
        Some(UseDecl { module, names })
    }

    fn knowledge(&mut self, decl: Pair<'_, Rule>) -> Option<KnowledgeDecl> {
        let parts = kids(decl);
        let kind = match parts.first()?.as_rule() {
            Rule::kw_source => KnowledgeKind::Source,
            Rule::kw_faq => KnowledgeKind::Faq,
            _ => KnowledgeKind::Topic,
        };
        let name = self.ident(parts.get(1)?);
        let id = self.str_lit(parts.get(2)?.clone())?;
        Some(KnowledgeDecl { kind, name, id })
    }

    fn component(&mut self, decl: Pair<'_, Rule>) -> Option<ComponentDecl> {
        let parts = kids(decl);
        let name = self.ident(parts.get(1)?);
        let id = self.str_lit(parts.get(2)?.clone())?;
        let mut input = Vec::new();
        let mut output = Vec::new();
        for block in parts
            .into_iter()
            .filter(|p| p.as_rule() == Rule::component_block)
        {
            let is_input = has(&block, Rule::kw_input);
            let fields = self.fields(child(&block, Rule::fields)?)?;
            if is_input {
                input.extend(fields);
            } else {
                output.extend(fields);
            }
        }
        Some(ComponentDecl {
            name,
            id,
            input,
            output,
        })
    }

    fn type_decl(&mut self, decl: Pair<'_, Rule>) -> Option<TypeDecl> {
        let name = self.ident(&child(&decl, Rule::ident)?);
        let base = self.type_expr(child(&decl, Rule::type_expr)?)?;
        let (check, message) = match child(&decl, Rule::expr) {
            Some(expr) => {
                let message = kids(decl)
                    .into_iter()
                    .rfind(|p| matches!(p.as_rule(), Rule::string | Rule::raw_string))?;
                (Some(self.expr(expr)?), Some(self.template(message)?))
            }
            None => (None, None),
        };
        Some(TypeDecl {
            name,
            base,
            check,
            message,
        })
    }

    /// The fields of a `fields` pair, each with the doc comment above it.
    pub(super) fn fields(&mut self, pair: Pair<'_, Rule>) -> Option<Vec<Field>> {
        kids(pair)
            .into_iter()
            .filter(|p| p.as_rule() == Rule::field)
            .map(|field| {
                let start = self.span(&field).start;
                let name = self.ident(&child(&field, Rule::ident)?);
                let ty = self.type_expr(child(&field, Rule::type_expr)?)?;
                let doc = doc_before(self.text, self.tokens, start);
                Some(Field { doc, name, ty })
            })
            .collect()
    }

    /// A type as written: a name, `one_of(...)`, `[T]` or `{ f: T, ... }`, optionally
    /// followed by `?`.
    pub(super) fn type_expr(&mut self, pair: Pair<'_, Rule>) -> Option<TypeExpr> {
        let span = self.span(&pair);
        let optional = has(&pair, Rule::question);
        if let Some(list) = child(&pair, Rule::list_type) {
            let item = self.nested(span.clone(), |this| {
                this.type_expr(child(&list, Rule::type_expr)?)
            })?;
            return Some(TypeExpr {
                kind: TypeExprKind::List(Box::new(item)),
                optional,
                span,
            });
        }
        if let Some(record) = child(&pair, Rule::record_type) {
            let fields = self.nested(span.clone(), |this| {
                this.fields(child(&record, Rule::fields)?)
            })?;
            return Some(TypeExpr {
                kind: TypeExprKind::Record(fields),
                optional,
                span,
            });
        }
        let kind = match child(&pair, Rule::one_of_type) {
            Some(one_of) => {
                let choices = kids(one_of)
                    .into_iter()
                    .filter(|p| matches!(p.as_rule(), Rule::string | Rule::raw_string))
                    .map(|p| self.str_lit(p))
                    .collect::<Option<Vec<_>>>()?;
                TypeExprKind::OneOf(choices)
            }
            None => TypeExprKind::Named(self.ident(&child(&pair, Rule::ident)?)),
        };
        Some(TypeExpr {
            kind,
            optional,
            span,
        })
    }

    /// `var N: TYPE { ... }`, at top level or in a procedure.
    pub(super) fn var_decl(&mut self, decl: Pair<'_, Rule>) -> Option<VarDecl> {
        let span = self.span(&decl);
        let name = self.ident(&child(&decl, Rule::ident)?);
        let ty = self.type_expr(child(&decl, Rule::type_expr)?)?;
        let items = kids(decl)
            .into_iter()
            .filter(|p| p.as_rule() == Rule::var_item)
            .map(|item| self.var_item(item))
            .collect::<Option<Vec<_>>>()?;
        Some(VarDecl {
            name,
            ty,
            items,
            span,
        })
    }

    fn var_item(&mut self, item: Pair<'_, Rule>) -> Option<VarItem> {
        let span = self.span(&item);
        let inner = kids(item).into_iter().next()?;
        let parts = kids(inner.clone());
        let kind = match inner.as_rule() {
            Rule::ask_item => VarItemKind::Ask(self.template(parts.get(1)?.clone())?),
            Rule::when_item => VarItemKind::When(self.expr(parts.get(1)?.clone())?),
            Rule::check_item => VarItemKind::Check {
                expr: self.expr(parts.get(1)?.clone())?,
                message: self.template(parts.get(3)?.clone())?,
            },
            Rule::default_item => VarItemKind::Default(self.expr(parts.get(1)?.clone())?),
            Rule::attempts_item => VarItemKind::Attempts(self.int_lit(parts.get(1)?)),
            Rule::choices_item => VarItemKind::Choices(self.expr(parts.get(1)?.clone())?),
            Rule::suggestions_item => VarItemKind::Suggestions(self.expr(parts.get(1)?.clone())?),
            Rule::invalid_item => VarItemKind::Invalid(self.template(parts.get(1)?.clone())?),
            _ => return None,
        };
        Some(VarItem { kind, span })
    }
}
