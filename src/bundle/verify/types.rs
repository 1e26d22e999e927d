//! The abstract values of the verifier's stack: a coarse type, whether the value may be
//! absent, and whether it derives from a secret (rule 3 taint).

use crate::codegen::module::BaseType;

/// A coarse run-time type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    /// Text.
    Text,
    /// An integer.
    Int,
    /// A float.
    Number,
    /// A boolean.
    Bool,
    /// A date.
    Date,
    /// A list.
    List,
    /// Any JSON value (`json` variables, objects, fields, results).
    Any,
    /// Only ever the absent value (the `Absent` constant).
    Nothing,
}

impl Ty {
    /// The coarse type of a declared base type.
    pub(crate) fn of_base(base: BaseType) -> Ty {
        match base {
            BaseType::Text => Ty::Text,
            BaseType::Int => Ty::Int,
            BaseType::Number => Ty::Number,
            BaseType::Bool => Ty::Bool,
            BaseType::Date => Ty::Date,
            BaseType::Json => Ty::Any,
        }
    }

    /// Whether a value of this type may be where one of `allowed` is needed. `Any` and
    /// `Nothing` are accepted everywhere an operator checks at run time.
    pub(crate) fn fits(self, allowed: &[Ty]) -> bool {
        matches!(self, Ty::Any | Ty::Nothing) || allowed.contains(&self)
    }

    /// The type of a value that came through either of two paths.
    pub(crate) fn join(self, other: Ty) -> Ty {
        match (self, other) {
            (a, b) if a == b => a,
            (Ty::Nothing, x) | (x, Ty::Nothing) => x,
            (Ty::Int, Ty::Number) | (Ty::Number, Ty::Int) => Ty::Number,
            _ => Ty::Any,
        }
    }

    /// Its name in error messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Ty::Text => "text",
            Ty::Int => "int",
            Ty::Number => "number",
            Ty::Bool => "bool",
            Ty::Date => "date",
            Ty::List => "list",
            Ty::Any => "json",
            Ty::Nothing => "absent",
        }
    }
}

/// Whether any of the values derives from a secret (rule 3).
pub(crate) fn taint(vals: &[Val]) -> bool {
    vals.iter().any(|v| v.secret)
}

/// One abstract stack slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Val {
    /// Its coarse type.
    pub ty: Ty,
    /// It may be `Absent`.
    pub absent: bool,
    /// It derives from a secret.
    pub secret: bool,
    /// It may stand in a URL: a string constant, a value through `UrlEncode`, or a
    /// concatenation of those (§7: values in URLs are percent-encoded).
    pub url_safe: bool,
}

impl Val {
    /// A present, untainted value.
    pub(crate) fn of(ty: Ty) -> Val {
        Val {
            ty,
            absent: false,
            secret: false,
            url_safe: false,
        }
    }

    /// A present value an instruction computes from its operands (a list, an operator's
    /// or a built-in's result...): it derives from a secret when any operand does, which
    /// is how rule 3's taint flows, and is not known to be URL-safe. One constructor so
    /// every computing instruction propagates taint the same way.
    pub(crate) fn computed(ty: Ty, operands: &[Val]) -> Val {
        Val {
            secret: taint(operands),
            ..Val::of(ty)
        }
    }

    /// The join of two paths' values.
    pub(crate) fn join(self, other: Val) -> Val {
        Val {
            ty: self.ty.join(other.ty),
            absent: self.absent || other.absent,
            secret: self.secret || other.secret,
            url_safe: self.url_safe && other.url_safe,
        }
    }

    /// Describes it for error messages.
    pub(crate) fn describe(self) -> String {
        if self.absent && self.ty != Ty::Nothing {
            format!("{}?", self.ty.name())
        } else {
            self.ty.name().to_string()
        }
    }
}
