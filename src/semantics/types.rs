//! The types of the checker: what an expression's value may be, and which values may
//! go where.
//!
//! Refinement types are checked at run time (like answers), so at compile time a value
//! of a refinement type behaves like its base, and a base value may be stored into a
//! refinement type. `json` is untyped: it goes anywhere and anything goes into it.

use std::fmt;

/// The type of a value.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// `text`.
    Text,
    /// `int`.
    Int,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// `date`.
    Date,
    /// `json`: untyped.
    Json,
    /// `one_of("a", ...)`.
    OneOf(Vec<String>),
    /// A refinement type, by name, with the type it refines.
    Refined(String, Box<Ty>),
    /// `[T]`: a list of values (list literals, list variables, list fields).
    List(Box<Ty>),
    /// `{ field: TYPE, ... }`: a record shape, fields in written order (a field of an
    /// optional type may be absent).
    Record(Vec<(String, Ty)>),
    /// A value that may be absent.
    Optional(Box<Ty>),
    /// The type of an expression that already has an error: it suppresses follow-on
    /// errors.
    Error,
}

impl Ty {
    /// The optional version of this type (unchanged when already optional).
    pub fn optional(self) -> Ty {
        match self {
            Ty::Optional(_) | Ty::Error => self,
            other => Ty::Optional(Box::new(other)),
        }
    }

    /// Whether the value may be absent.
    pub fn is_optional(&self) -> bool {
        matches!(self, Ty::Optional(_))
    }

    /// The type without `?`.
    pub fn non_optional(&self) -> &Ty {
        match self {
            Ty::Optional(inner) => inner,
            other => other,
        }
    }

    /// The structural type: without `?` and without refinements.
    pub fn base(&self) -> &Ty {
        match self {
            Ty::Optional(inner) | Ty::Refined(_, inner) => inner.base(),
            other => other,
        }
    }

    /// Whether this is the error type (or contains it at the top).
    pub fn is_error(&self) -> bool {
        matches!(self.base(), Ty::Error)
    }

    /// Whether the value is textual (text, one_of) at compile time.
    pub fn is_textual(&self) -> bool {
        matches!(self.base(), Ty::Text | Ty::OneOf(_))
    }

    /// Whether the value is a number (int or number).
    pub fn is_numeric(&self) -> bool {
        matches!(self.base(), Ty::Int | Ty::Number)
    }

    /// The type of a record's field, if the type is a record with that field.
    pub fn field(&self, name: &str) -> Option<&Ty> {
        match self.base() {
            Ty::Record(fields) => fields.iter().find(|(n, _)| n == name).map(|(_, ty)| ty),
            _ => None,
        }
    }

    /// The item type of a list (`None` for anything else).
    pub fn item(&self) -> Option<&Ty> {
        match self.base() {
            Ty::List(item) => Some(item),
            _ => None,
        }
    }

    /// Whether the type tells nothing at compile time (json or an error).
    pub fn is_dynamic(&self) -> bool {
        matches!(self.base(), Ty::Json | Ty::Error)
    }
}

/// Whether a non-optional value of type `from` may be used where `to` is expected
/// (optionality is checked separately by the caller).
pub fn assignable(from: &Ty, to: &Ty) -> bool {
    let (from, to) = (from.base(), to.base());
    match (from, to) {
        (Ty::Error, _) | (_, Ty::Error) | (Ty::Json, _) | (_, Ty::Json) => true,
        (Ty::Int, Ty::Number) => true,
        (Ty::OneOf(a), Ty::OneOf(b)) => a.iter().all(|c| b.contains(c)),
        // A text stored into a one_of is validated at run time, like an answer.
        (Ty::Text, Ty::OneOf(_)) | (Ty::OneOf(_), Ty::Text) => true,
        (Ty::List(a), Ty::List(b)) => assignable(a, b),
        // A record fits a shape that needs no field it lacks (extra fields are fine,
        // as in JSON); each field it has must fit.
        (Ty::Record(have), Ty::Record(want)) => {
            want.iter().all(
                |(name, wanted)| match have.iter().find(|(n, _)| n == name) {
                    Some((_, ty)) => {
                        (wanted.is_optional() || !ty.is_optional())
                            && assignable(ty.non_optional(), wanted.non_optional())
                    }
                    None => wanted.is_optional(),
                },
            )
        }
        (a, b) => a == b,
    }
}

/// The common type of two values (for `??` and list literals), if there is one.
pub fn join(a: &Ty, b: &Ty) -> Option<Ty> {
    let (na, nb) = (a.non_optional(), b.non_optional());
    let joined = if na == nb {
        na.clone()
    } else if na.is_error() || nb.is_error() {
        Ty::Error
    } else if na.is_dynamic() || nb.is_dynamic() {
        Ty::Json
    } else {
        match (na.base(), nb.base()) {
            (Ty::Int, Ty::Number) | (Ty::Number, Ty::Int) => Ty::Number,
            (x, y) if x == y => x.clone(),
            (Ty::OneOf(_), Ty::Text) | (Ty::Text, Ty::OneOf(_)) | (Ty::OneOf(_), Ty::OneOf(_)) => {
                Ty::Text
            }
            (Ty::List(x), Ty::List(y)) => Ty::List(Box::new(join(x, y)?)),
            _ => return None,
        }
    };
    Some(joined)
}

/// Whether two values may be compared with `==` / `!=`.
pub fn comparable(a: &Ty, b: &Ty) -> bool {
    join(a, b).is_some()
}

/// Whether `needle` may be looked for in `haystack`: an element of a list it compares
/// with, a text in a text, anything in `json`. `needle in haystack` and
/// `contains(haystack, needle)` are the same test with the operands the other way round.
pub fn searchable(haystack: &Ty, needle: &Ty) -> bool {
    match haystack.base() {
        Ty::List(element) => comparable(needle, element),
        Ty::Text | Ty::OneOf(_) => needle.is_textual() || needle.is_dynamic(),
        Ty::Json | Ty::Error => true,
        _ => false,
    }
}

/// Whether two values may be ordered with `<`, `<=`, `>`, `>=`.
pub fn orderable(a: &Ty, b: &Ty) -> bool {
    if a.is_dynamic() || b.is_dynamic() {
        return true;
    }
    (a.is_numeric() && b.is_numeric())
        || (a.is_textual() && b.is_textual())
        || (matches!(a.base(), Ty::Date) && matches!(b.base(), Ty::Date))
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Text => write!(f, "text"),
            Ty::Int => write!(f, "int"),
            Ty::Number => write!(f, "number"),
            Ty::Bool => write!(f, "bool"),
            Ty::Date => write!(f, "date"),
            Ty::Json => write!(f, "json"),
            Ty::OneOf(choices) => {
                let quoted: Vec<String> = choices.iter().map(|c| format!("{c:?}")).collect();
                write!(f, "one_of({})", quoted.join(", "))
            }
            Ty::Refined(name, _) => write!(f, "{name}"),
            Ty::List(inner) => write!(f, "[{inner}]"),
            Ty::Record(fields) => {
                let shown: Vec<String> = fields.iter().map(|(n, t)| format!("{n}: {t}")).collect();
                write!(f, "{{ {} }}", shown.join(", "))
            }
            Ty::Optional(inner) => write!(f, "{inner}?"),
            Ty::Error => write!(f, "{{unknown}}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Ty {
        Ty::Refined("email".into(), Box::new(Ty::Text))
    }

    #[test]
    fn refinements_behave_like_their_base() {
        assert!(assignable(&Ty::Text, &email()));
        assert!(assignable(&email(), &Ty::Text));
        assert!(!assignable(&email(), &Ty::Int));
        assert_eq!(join(&email().optional(), &Ty::Text), Some(Ty::Text));
    }

    #[test]
    fn numbers_widen_but_do_not_narrow() {
        assert!(assignable(&Ty::Int, &Ty::Number));
        assert!(!assignable(&Ty::Number, &Ty::Int));
        assert_eq!(join(&Ty::Int, &Ty::Number), Some(Ty::Number));
        assert!(orderable(&Ty::Int, &Ty::Number));
        assert!(!orderable(&Ty::Int, &Ty::Text));
    }

    #[test]
    fn one_of_subsets_fit() {
        let ab = Ty::OneOf(vec!["a".into(), "b".into()]);
        let a = Ty::OneOf(vec!["a".into()]);
        assert!(assignable(&a, &ab));
        assert!(!assignable(&ab, &a));
    }

    #[test]
    fn records_fit_shapes_with_fewer_fields() {
        let wide = Ty::Record(vec![("a".into(), Ty::Int), ("b".into(), Ty::Text)]);
        let narrow = Ty::Record(vec![("a".into(), Ty::Number)]);
        let needs_c = Ty::Record(vec![("c".into(), Ty::Text)]);
        let maybe_c = Ty::Record(vec![("c".into(), Ty::Text.optional())]);
        assert!(assignable(&wide, &narrow));
        assert!(!assignable(&narrow, &wide));
        assert!(!assignable(&wide, &needs_c));
        assert!(assignable(&wide, &maybe_c));
        assert_eq!(wide.field("b"), Some(&Ty::Text));
        assert_eq!(
            Ty::List(Box::new(narrow)).to_string(),
            "[{ a: number }]".to_string()
        );
    }

    #[test]
    fn display_shows_optional_and_choices() {
        assert_eq!(email().optional().to_string(), "email?");
        assert_eq!(
            Ty::OneOf(vec!["a".into()]).to_string(),
            "one_of(\"a\")".to_string()
        );
    }
}
