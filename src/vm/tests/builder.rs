//! A test-only assembler for modules, standing in for the code generator.

use std::sync::Arc;

use crate::codegen::isa::{Chunk, ChunkId, Const, ConstId, Instr, ProcId, StrId, TypeId, VarId};
use crate::codegen::module::{
    AudienceDef, BaseType, CheckDef, Dep, DepKind, FieldDef, Kind, Module, ProcDef, TypeDef,
    VarDef, builtin_type_defs,
};
use crate::vm::Program;

pub(super) const TEXT: TypeId = 0;
pub(super) const INT: TypeId = 1;
pub(super) const NUMBER: TypeId = 2;
pub(super) const BOOL: TypeId = 3;
pub(super) const DATE: TypeId = 4;
pub(super) const JSON: TypeId = 5;

/// One piece of a template.
pub(super) enum P<'a> {
    /// Literal text.
    T(&'a str),
    /// A variable.
    V(VarId),
    /// A variable, or a fallback text when absent (`v ?? "x"`).
    VOr(VarId, &'a str),
    /// A customer attribute.
    C(u32),
    /// A secret.
    S(u32),
    /// A field of `result`/`response`.
    R(&'a str),
}

/// Builds a [`Module`] by hand.
pub(super) struct Builder {
    pub m: Module,
}

impl Builder {
    pub(super) fn new() -> Builder {
        let types = builtin_type_defs();
        Builder {
            m: Module {
                types,
                files: vec!["test.proc".into()],
                ..Module::default()
            },
        }
    }

    pub(super) fn s(&mut self, text: &str) -> StrId {
        if let Some(i) = self.m.strings.iter().position(|s| s == text) {
            return i as StrId;
        }
        self.m.strings.push(text.into());
        (self.m.strings.len() - 1) as StrId
    }

    pub(super) fn k(&mut self, c: Const) -> ConstId {
        self.m.consts.push(c);
        (self.m.consts.len() - 1) as ConstId
    }

    pub(super) fn chunk(&mut self, code: Vec<Instr>) -> ChunkId {
        self.m.chunks.push(Chunk {
            code,
            lines: vec![(0, 1)],
            file: 0,
        });
        (self.m.chunks.len() - 1) as ChunkId
    }

    /// The instructions that push a rendered template.
    pub(super) fn tpl_code(&mut self, parts: &[P<'_>]) -> Vec<Instr> {
        self.parts_code(parts, false)
    }

    /// A URL template's code: each value percent-encoded (§7), as the compiler emits.
    pub(super) fn url_code(&mut self, parts: &[P<'_>]) -> Vec<Instr> {
        self.parts_code(parts, true)
    }

    fn parts_code(&mut self, parts: &[P<'_>], url: bool) -> Vec<Instr> {
        let mut code = Vec::new();
        for part in parts {
            let value = !matches!(part, P::T(_));
            match part {
                P::T(t) => code.push(Instr::Str(self.s(t))),
                P::V(v) => code.push(Instr::LoadVar(*v)),
                P::VOr(v, fallback) => {
                    code.push(Instr::LoadVar(*v));
                    let at = code.len() as u32;
                    code.push(Instr::JumpIfPresent(at + 2));
                    code.push(Instr::Str(self.s(fallback)));
                }
                P::C(i) => code.push(Instr::LoadCustomer(*i)),
                P::S(i) => code.push(Instr::LoadSecret(*i)),
                P::R(field) => {
                    code.push(Instr::LoadResult);
                    code.push(Instr::GetField(self.s(field)));
                }
            }
            if url && value {
                code.push(Instr::UrlEncode);
            }
        }
        code.push(Instr::Concat(parts.len() as u16));
        code
    }

    /// A template chunk.
    pub(super) fn tpl(&mut self, parts: &[P<'_>]) -> ChunkId {
        let mut code = self.tpl_code(parts);
        code.push(Instr::Return);
        self.chunk(code)
    }

    /// A boolean chunk from raw code (a `Return` is appended).
    pub(super) fn expr(&mut self, mut code: Vec<Instr>) -> ChunkId {
        code.push(Instr::Return);
        self.chunk(code)
    }

    pub(super) fn check(&mut self, cond: Vec<Instr>, message: &str) -> CheckDef {
        let cond = self.expr(cond);
        let message = self.tpl(&[P::T(message)]);
        CheckDef { cond, message }
    }

    pub(super) fn refine(
        &mut self,
        name: &str,
        parent: TypeId,
        cond: Vec<Instr>,
        message: &str,
    ) -> TypeId {
        let check = self.check(cond, message);
        let base = self.m.types[parent as usize].base;
        self.m.types.push(TypeDef {
            name: name.into(),
            base,
            parent: Some(parent),
            choices: vec![],
            check: Some(check),
            shape: crate::codegen::module::Shape::Scalar,
        });
        (self.m.types.len() - 1) as TypeId
    }

    pub(super) fn one_of(&mut self, choices: &[&str]) -> TypeId {
        self.m.types.push(TypeDef {
            name: "one_of".into(),
            base: BaseType::Text,
            parent: None,
            choices: choices.iter().map(|c| (*c).into()).collect(),
            check: None,
            shape: crate::codegen::module::Shape::Scalar,
        });
        (self.m.types.len() - 1) as TypeId
    }

    pub(super) fn customer(&mut self, name: &str, ty: TypeId, optional: bool) -> u32 {
        self.m.customer.push(FieldDef {
            name: name.into(),
            ty,
            optional,
        });
        (self.m.customer.len() - 1) as u32
    }

    pub(super) fn audience(&mut self, name: &str, cond: Vec<Instr>) -> u32 {
        let cond = self.expr(cond);
        self.m.audiences.push(AudienceDef {
            name: name.into(),
            cond,
        });
        (self.m.audiences.len() - 1) as u32
    }

    /// A variable with an `ask` prompt; tweak the returned id's def afterwards.
    pub(super) fn var(
        &mut self,
        name: &str,
        ty: TypeId,
        owner: Option<ProcId>,
        prompt: &[P<'_>],
    ) -> VarId {
        let ask = Some(self.tpl(prompt));
        self.m.vars.push(VarDef {
            name: name.into(),
            ty,
            optional: false,
            owner,
            ask,
            when: None,
            checks: vec![],
            default: None,
            attempts: 3,
            choices: None,
            suggestions: None,
            invalid: None,
            deps: vec![],
            lookup: None,
            validations: vec![],
        });
        (self.m.vars.len() - 1) as VarId
    }

    pub(super) fn guard(&mut self, var: VarId, on: VarId) {
        self.m.vars[var as usize].deps.push(Dep {
            var: on,
            kind: DepKind::Guard,
        });
    }

    pub(super) fn prompt_dep(&mut self, var: VarId, on: VarId) {
        self.m.vars[var as usize].deps.push(Dep {
            var: on,
            kind: DepKind::Prompt,
        });
    }

    /// Declares a procedure; its body is set later with [`Builder::body`].
    pub(super) fn proc(&mut self, name: &str, kind: Kind, label: &str) -> ProcId {
        let label = self.tpl(&[P::T(label)]);
        self.m.procedures.push(ProcDef {
            name: name.into(),
            kind,
            label,
            description: None,
            escalation: false,
            irreversible: false,
            audiences: vec![],
            when: None,
            body: u32::MAX,
            outcomes: Default::default(),
            collects: vec![],
            requires: vec![],
            returns: vec![],
        });
        (self.m.procedures.len() - 1) as ProcId
    }

    pub(super) fn body(&mut self, proc: ProcId, code: Vec<Instr>) {
        let body = self.chunk(code);
        self.m.procedures[proc as usize].body = body;
    }

    pub(super) fn build(self) -> Arc<Program> {
        Arc::new(Program::new(self.m).expect("valid test module"))
    }
}

/// Points the jump at `at` to the end of `code` so far.
pub(super) fn patch(code: &mut [Instr], at: usize, target: usize) {
    let target = target as u32;
    code[at] = match code[at] {
        Instr::Jump(_) => Instr::Jump(target),
        Instr::JumpIfFalse(_) => Instr::JumpIfFalse(target),
        Instr::JumpIfFailed(_) => Instr::JumpIfFailed(target),
        other => other,
    };
}

/// Appends a piece of code assembled on its own, moving its jump targets along.
pub(super) fn append(code: &mut Vec<Instr>, piece: Vec<Instr>) {
    let base = code.len() as u32;
    code.extend(piece.into_iter().map(|instr| match instr {
        Instr::Jump(t) => Instr::Jump(t + base),
        Instr::JumpIfFalse(t) => Instr::JumpIfFalse(t + base),
        Instr::JumpIfFalseKeep(t) => Instr::JumpIfFalseKeep(t + base),
        Instr::JumpIfTrueKeep(t) => Instr::JumpIfTrueKeep(t + base),
        Instr::JumpIfPresent(t) => Instr::JumpIfPresent(t + base),
        Instr::JumpIfFailed(t) => Instr::JumpIfFailed(t + base),
        other => other,
    }));
}
