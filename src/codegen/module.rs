//! The compiled program: every table the interpreter needs, and the bytecode.
//!
//! A [`Module`] is what code generation produces and what a `.procb` bundle carries
//! (the bundle adds a header, a hash and verification). Everything is referred to by
//! index; names are kept for the protocol (procedures and variables appear by name) and
//! for `procc inspect`. No secret value is ever stored here: secrets are names only.

use serde::{Deserialize, Serialize};

use super::isa::{ChunkId, OutcomeChunks, ProcId, StrId, TypeId, VarId};

/// The whole compiled program.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Module {
    /// Source file paths, for the source map.
    pub files: Vec<String>,
    /// The string pool.
    pub strings: Vec<String>,
    /// The constant pool.
    pub consts: Vec<super::isa::Const>,
    /// All bytecode.
    pub chunks: Vec<super::isa::Chunk>,
    /// Types: the built-ins first (see [`BUILTIN_TYPES`]), then refinements and `one_of`s.
    pub types: Vec<TypeDef>,
    /// The customer schema, in declaration order.
    pub customer: Vec<FieldDef>,
    /// Secret names (values come from the host at run time).
    pub secrets: Vec<String>,
    /// Knowledge sources.
    pub sources: Vec<Knowledge>,
    /// FAQs.
    pub faqs: Vec<Knowledge>,
    /// Topics.
    pub topics: Vec<Knowledge>,
    /// UI components.
    pub components: Vec<ComponentDef>,
    /// Named audiences.
    pub audiences: Vec<AudienceDef>,
    /// Variables: conversation variables and procedures' local ones.
    pub vars: Vec<VarDef>,
    /// Procedures, in declaration order (the order of `offer` lists).
    pub procedures: Vec<ProcDef>,
    /// Which procedures each trigger may offer.
    pub triggers: TriggerIndex,
}

impl Module {
    /// A type as an author writes it: its name, a list as `[item]`, a record as
    /// `{ field: type, ... }` (`?` on optional fields); `?` for an index out of range.
    pub fn type_display(&self, ty: TypeId) -> String {
        // Shapes refer only to earlier types (verified), so this recursion ends; the
        // depth bound keeps an unverified module from recursing without end.
        self.type_display_within(ty, self.types.len())
    }

    fn type_display_within(&self, ty: TypeId, budget: usize) -> String {
        let Some(def) = self.types.get(ty as usize).filter(|_| budget > 0) else {
            return "?".to_owned();
        };
        match &def.shape {
            Shape::Scalar => def.name.clone(),
            Shape::List(item) => format!("[{}]", self.type_display_within(*item, budget - 1)),
            Shape::Record(fields) => {
                let shown: Vec<String> = fields
                    .iter()
                    .map(|f| {
                        let opt = if f.optional { "?" } else { "" };
                        let inner = self.type_display_within(f.ty, budget - 1);
                        format!("{}: {inner}{opt}", f.name)
                    })
                    .collect();
                format!("{{ {} }}", shown.join(", "))
            }
        }
    }
}

/// The built-in types, at these indexes of [`Module::types`], in this order.
pub const BUILTIN_TYPES: [&str; 6] = ["text", "int", "number", "bool", "date", "json"];

/// The run-time representation of each of [`BUILTIN_TYPES`], in the same order.
pub const BUILTIN_BASES: [BaseType; 6] = [
    BaseType::Text,
    BaseType::Int,
    BaseType::Number,
    BaseType::Bool,
    BaseType::Date,
    BaseType::Json,
];

/// The entries every module's type table starts with: one per built-in type.
pub fn builtin_type_defs() -> Vec<TypeDef> {
    BUILTIN_TYPES
        .iter()
        .zip(BUILTIN_BASES)
        .map(|(name, base)| TypeDef {
            name: (*name).to_string(),
            base,
            parent: None,
            choices: Vec::new(),
            check: None,
            shape: Shape::Scalar,
        })
        .collect()
}

/// The representation every value of a type has at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BaseType {
    /// Text.
    Text,
    /// A 64-bit integer.
    Int,
    /// A 64-bit float.
    Number,
    /// A boolean.
    Bool,
    /// An ISO date.
    Date,
    /// Any JSON.
    Json,
}

/// A type: a built-in, a `one_of`, or a refinement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TypeDef {
    /// The name shown in `ask` (`"email"`, `"int"`, `"one_of"`).
    pub name: String,
    /// The run-time representation.
    pub base: BaseType,
    /// The refined type, whose checks apply first (`None` for built-ins).
    pub parent: Option<TypeId>,
    /// For `one_of`: the choices, as declared.
    pub choices: Vec<String>,
    /// The refinement's check, if any.
    pub check: Option<CheckDef>,
    /// For a list `[T]` or a record shape `{ f: T, ... }`: what it holds (their base
    /// is [`BaseType::Json`]: the interpreter checks the shape, expressions read it
    /// like JSON).
    pub shape: Shape,
}

/// The structure of a type beyond its base: a scalar, a list or a record. A shape
/// refers only to types listed before it, so shapes never loop (the verifier proves it).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Shape {
    /// Not a list or a record (built-ins, `one_of`s, refinements).
    Scalar,
    /// `[T]`: the item type (never optional).
    List(TypeId),
    /// `{ f: T, ... }`: the fields, in written order.
    Record(Vec<FieldDef>),
}

/// The name a list type has in the type table (an `ask` shows its item type's name).
pub const LIST_TYPE_NAME: &str = "list";
/// The name a record shape has in the type table (and in an `ask` for a record).
pub const RECORD_TYPE_NAME: &str = "record";

/// A condition and the message shown when it fails.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckDef {
    /// Chunk returning a bool (with `value` bound to the checked value).
    pub cond: ChunkId,
    /// Chunk returning the message text.
    pub message: ChunkId,
}

/// A typed field of the customer schema, a component, `returns` or a record shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldDef {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: TypeId,
    /// Whether it may be absent.
    pub optional: bool,
}

/// A source, FAQ or topic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Knowledge {
    /// The name in `.proc` files.
    pub name: String,
    /// The platform's id, used in events and outputs.
    pub id: String,
}

/// A UI component.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComponentDef {
    /// The name in `.proc` files.
    pub name: String,
    /// The platform's id.
    pub id: String,
    /// Declared inputs.
    pub input: Vec<FieldDef>,
    /// Declared outputs (the `result` of the component).
    pub output: Vec<FieldDef>,
}

/// A named audience.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudienceDef {
    /// Its name.
    pub name: String,
    /// Chunk returning a bool over `customer.*`.
    pub cond: ChunkId,
}

/// A variable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VarDef {
    /// Its name (as it appears in `ask`, `answer`, `provide`).
    pub name: String,
    /// Its type.
    pub ty: TypeId,
    /// Declared `T?`.
    pub optional: bool,
    /// `None` for a conversation variable; the owning procedure for a local one (local
    /// values are forgotten when that procedure's run ends).
    pub owner: Option<ProcId>,
    /// Chunk returning the prompt text.
    pub ask: Option<ChunkId>,
    /// Chunk returning a bool: asked only when true, otherwise absent.
    pub when: Option<ChunkId>,
    /// The variable's own checks, after its type's.
    pub checks: Vec<CheckDef>,
    /// Chunk returning the default value.
    pub default: Option<ChunkId>,
    /// How many answers may be tried before the run fails.
    pub attempts: u32,
    /// `choices`: chunk returning the `[text]` of allowed answers (computed when the
    /// question is asked and when an answer is checked).
    pub choices: Option<ChunkId>,
    /// `suggestions`: chunk returning a `[text]` shown with the question.
    pub suggestions: Option<ChunkId>,
    /// `invalid`: chunk returning the message for an answer that cannot be read as the
    /// type or is not one of the choices (`value` bound to the refused answer as text).
    pub invalid: Option<ChunkId>,
    /// What this variable depends on.
    pub deps: Vec<Dep>,
}

/// A dependency edge between variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dep {
    /// The variable depended on.
    pub var: VarId,
    /// How.
    pub kind: DepKind,
}

/// How one variable depends on another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DepKind {
    /// Mentioned in the `ask` prompt: orders collection only.
    Prompt,
    /// Mentioned in `when`, `check` or `default`: a correction makes the value stale.
    Guard,
}

/// The kind of a procedure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// `follow_up`.
    FollowUp,
    /// `redirect`.
    Redirect,
    /// `component`.
    Component,
    /// `switch_topic`.
    SwitchTopic,
    /// `live_chat`.
    LiveChat,
    /// `api_call`.
    ApiCall,
    /// `javascript`.
    Javascript,
}

impl Kind {
    /// All kinds, in the contract's order.
    pub const ALL: [Kind; 7] = [
        Kind::FollowUp,
        Kind::Redirect,
        Kind::Component,
        Kind::SwitchTopic,
        Kind::LiveChat,
        Kind::ApiCall,
        Kind::Javascript,
    ];

    /// The kind's name in `.proc` files.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::FollowUp => "follow_up",
            Kind::Redirect => "redirect",
            Kind::Component => "component",
            Kind::SwitchTopic => "switch_topic",
            Kind::LiveChat => "live_chat",
            Kind::ApiCall => "api_call",
            Kind::Javascript => "javascript",
        }
    }

    /// Parses a kind name.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// A procedure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcDef {
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: Kind,
    /// Chunk returning the button text (may use `customer.*` only).
    pub label: ChunkId,
    /// The description, if any.
    pub description: Option<StrId>,
    /// Marked `escalation`.
    pub escalation: bool,
    /// Marked `irreversible`.
    pub irreversible: bool,
    /// Audiences that must all hold.
    pub audiences: Vec<u32>,
    /// Chunk returning a bool that must hold for it to be offered and clicked.
    pub when: Option<ChunkId>,
    /// The body: collection, approval, effect, `on success` statements, `Done`.
    pub body: ChunkId,
    /// The `on failure`, `on denied` and `on cancelled` chunks.
    pub outcomes: OutcomeChunks,
    /// The variables the body collects, in collection order (for `inspect`).
    pub collects: Vec<VarId>,
    /// For an `api_call` with `returns`: the expected response fields.
    pub returns: Vec<FieldDef>,
    /// The `require EXPR else TEMPLATE` items, in written order; the body checks each
    /// with [`crate::codegen::isa::Instr::Require`] as soon as what it mentions is known.
    pub requires: Vec<RequireDef>,
}

/// A procedure's `require EXPR else TEMPLATE`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequireDef {
    /// Chunk returning the bool that must hold.
    pub cond: ChunkId,
    /// Chunk returning the text said when it does not.
    pub message: ChunkId,
}

/// Which procedures each trigger may offer, each list in declaration order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TriggerIndex {
    /// `trigger always`: offered on every customer message.
    pub always: Vec<ProcId>,
    /// `trigger negative_feedback`.
    pub negative_feedback: Vec<ProcId>,
    /// `trigger unanswered`.
    pub unanswered: Vec<ProcId>,
    /// `trigger source N`, by index into [`Module::sources`].
    pub by_source: Vec<Vec<ProcId>>,
    /// `trigger faq N`, by index into [`Module::faqs`].
    pub by_faq: Vec<Vec<ProcId>>,
}
