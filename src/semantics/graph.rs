//! The variable dependency graph.
//!
//! A variable depends on every variable its `ask`, `when`, `check`, `default`,
//! `choices`, `suggestions` or `invalid` mentions. Mentions in `ask`, `invalid` and
//! `suggestions` only order collection ([`DepKind::Prompt`]); mentions in `when`,
//! `check`, `default` or `choices` also make the value stale when the other one is
//! corrected ([`DepKind::Guard`]). The graph gives each procedure its collection order (topological,
//! ties broken by declaration order) and reports every cycle once, naming each variable
//! on it.
//!
//! Lookups (§4) are nodes among the variables, in the same declaration order: a lookup
//! depends on what its request and `when` mention ([`DepKind::Guard`]: a correction
//! forgets it), and what mentions it depends on it. A run collects a lookup when its
//! variables (transitively), `require`s, approval, action or outcome statements mention
//! it. One cycle is allowed: a *validation lookup*, whose request mentions a variable
//! whose `check` mentions the lookup. That check's mention is not an edge (the lookup is
//! fetched per candidate answer, before the checks run) but a validation
//! ([`VarGraph::validations`]).
//!
//! A procedure's `require`s are nodes too, with an edge to every variable they mention:
//! in a run's collection steps each comes right after the last of those variables (before
//! anything else is asked), so it is checked as soon as what it mentions is known. A
//! correction restarts collection, so a requirement is checked again after a change of
//! what it mentions.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rustc_hash::{FxHashMap, FxHashSet};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::walk::{names_in_expr, names_in_lookup, names_in_run_item, names_in_template};
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{
    FileId, Ident, ItemKind, LookupDecl, ProcItem, ProcItemKind, SourceFile, Span, VarDecl,
    VarItemKind,
};

/// Names a variable: a conversation variable, or a procedure's local one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VarKey {
    /// A top-level `var`, shared by the whole conversation.
    Conversation(String),
    /// A `var` inside a procedure.
    Local {
        /// The owning procedure.
        procedure: String,
        /// The variable's name.
        name: String,
    },
}

impl VarKey {
    /// The key of a variable declared as `name`: a conversation variable at the top
    /// level (no `procedure`), else a local of `procedure`.
    fn declared(name: &str, procedure: Option<&str>) -> VarKey {
        match procedure {
            None => VarKey::Conversation(name.to_string()),
            Some(procedure) => VarKey::Local {
                procedure: procedure.to_string(),
                name: name.to_string(),
            },
        }
    }

    /// The variable's name as written.
    pub fn name(&self) -> &str {
        match self {
            VarKey::Conversation(name) => name,
            VarKey::Local { name, .. } => name,
        }
    }
}

/// A declaration that is a node of the graph, wherever it stands: a `var` or a
/// `lookup`, top-level or inside a procedure. One view of both places, so that
/// declaring and connecting walk the top level and the procedures' items alike.
#[derive(Clone, Copy)]
enum Declared<'a> {
    Var(&'a VarDecl),
    Lookup(&'a LookupDecl),
}

impl<'a> Declared<'a> {
    /// A top-level item's declaration, if it declares a variable or a lookup.
    fn of_item(kind: &'a ItemKind) -> Option<Declared<'a>> {
        match kind {
            ItemKind::Var(var) => Some(Declared::Var(var)),
            ItemKind::Lookup(lookup) => Some(Declared::Lookup(lookup)),
            _ => None,
        }
    }

    /// A procedure item's declaration, if it declares a local variable or lookup.
    fn of_proc_item(kind: &'a ProcItemKind) -> Option<Declared<'a>> {
        match kind {
            ProcItemKind::Var(var) => Some(Declared::Var(var)),
            ProcItemKind::Lookup(lookup) => Some(Declared::Lookup(lookup)),
            _ => None,
        }
    }

    /// The declared name.
    fn name(self) -> &'a Ident {
        match self {
            Declared::Var(var) => &var.name,
            Declared::Lookup(lookup) => &lookup.name,
        }
    }
}

/// The two passes of [`GraphBuilder::connect`], in their order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Lookups,
    Vars,
}

/// How one variable depends on another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DepKind {
    /// Mentioned in the `ask` prompt: orders collection only.
    Prompt,
    /// Mentioned in `when`, `check` or `default`: a correction makes the value stale.
    Guard,
}

/// A node of the graph: a variable (index into `nodes`) or a requirement (index into
/// `requirements`). Requirements order before variables among the nodes ready at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Node {
    Require(usize),
    Var(usize),
}

/// One step of a run's collection: collect a variable, or check a requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CollectStep {
    /// Make sure the variable is known (asked, defaulted, or absent by its `when`).
    Collect(VarKey),
    /// Check the procedure's requirement at this position (written order, from 0).
    Require(usize),
}

/// A `require` as the graph sees it.
#[derive(Clone, Debug)]
struct RequireNode {
    /// Its position among the procedure's requirements.
    index: usize,
}

/// A declared variable as the graph sees it.
#[derive(Clone, Debug)]
struct VarNode {
    key: VarKey,
    file: FileId,
    name_span: Span,
    /// A lookup rather than a variable.
    lookup: bool,
}

/// What a procedure asks to collect directly.
#[derive(Clone, Debug, Default)]
struct ProcedureRoots {
    needs: Vec<String>,
    locals: Vec<String>,
    /// Every name its run items mention (lookups among them are collected).
    mentions: Vec<String>,
    /// How many `require`s it has.
    requires: usize,
}

/// Variables, their dependency edges and each procedure's collection roots.
#[derive(Clone, Debug, Default)]
pub struct VarGraph {
    /// Variable nodes index `nodes` (declaration order), requirement nodes
    /// `requirements` (declaration order too).
    graph: DiGraph<Node, DepKind>,
    nodes: Vec<VarNode>,
    requirements: Vec<RequireNode>,
    /// Each requirement's node, by procedure and position.
    require_index: FxHashMap<(String, usize), NodeIndex>,
    index: FxHashMap<VarKey, NodeIndex>,
    procedures: FxHashMap<String, ProcedureRoots>,
    /// For each variable, the lookups that validate it (fetched with each candidate
    /// answer before its checks run), in declaration order.
    validations: FxHashMap<VarKey, Vec<VarKey>>,
    /// Each procedure's collection steps.
    steps: FxHashMap<String, Vec<CollectStep>>,
}

impl VarGraph {
    /// Builds the graph of every variable declared in `files` (in the order given) and
    /// reports each dependency cycle once. Unknown names are ignored here: name
    /// resolution reports them.
    pub fn build<'f>(
        files: impl IntoIterator<Item = &'f SourceFile>,
    ) -> (VarGraph, Vec<Diagnostic>) {
        let files: Vec<&SourceFile> = files.into_iter().collect();
        let mut builder = GraphBuilder::default();
        builder.declare(&files);
        builder.connect(&files);
        let mut graph = builder.graph;
        // Each procedure's steps are worked out once, here: analysis and code generation
        // both read them.
        let steps = graph
            .procedures
            .keys()
            .map(|procedure| (procedure.clone(), graph.compute_steps(procedure)))
            .collect();
        graph.steps = steps;
        let diagnostics = graph.cycle_diagnostics();
        (graph, diagnostics)
    }

    /// Every variable, in declaration order.
    pub fn vars(&self) -> impl Iterator<Item = &VarKey> {
        self.nodes.iter().map(|node| &node.key)
    }

    /// Whether `key` names a lookup.
    pub fn is_lookup(&self, key: &VarKey) -> bool {
        self.index
            .get(key)
            .is_some_and(|&node| matches!(self.graph[node], Node::Var(p) if self.nodes[p].lookup))
    }

    /// The lookups that validate `var` (§4 "Validation lookups"): each mentions `var`
    /// in its request and is mentioned by `var`'s `check`.
    pub fn validations(&self, var: &VarKey) -> &[VarKey] {
        self.validations.get(var).map_or(&[], Vec::as_slice)
    }

    /// What `var` depends on directly, in the order of the first mention.
    pub fn deps(&self, var: &VarKey) -> Vec<(VarKey, DepKind)> {
        let Some(&node) = self.index.get(var) else {
            return Vec::new();
        };
        let mut deps: Vec<(usize, DepKind)> = self
            .graph
            .edges(node)
            .filter_map(|edge| match self.graph[edge.target()] {
                Node::Var(target) => Some((target, *edge.weight())),
                Node::Require(_) => None,
            })
            .collect();
        deps.sort_by_key(|&(target, _)| target);
        deps.into_iter()
            .map(|(target, kind)| (self.nodes[target].key.clone(), kind))
            .collect()
    }

    /// The variables a run of `procedure` collects, in collection order: its `needs` and
    /// local variables and, transitively, everything they depend on; dependencies first,
    /// ties broken by declaration order. Variables on a cycle come last, in declaration
    /// order (the cycle is an error reported by [`VarGraph::build`]).
    pub fn collection_order(&self, procedure: &str) -> Vec<VarKey> {
        self.collection_steps(procedure)
            .iter()
            .filter_map(|step| match step {
                CollectStep::Collect(key) => Some(key.clone()),
                CollectStep::Require(_) => None,
            })
            .collect()
    }

    /// [`VarGraph::collection_order`] with the procedure's requirements placed: each
    /// right after the last collected variable it mentions (first of all when it
    /// mentions none), before anything else is collected.
    pub fn collection_steps(&self, procedure: &str) -> &[CollectStep] {
        self.steps.get(procedure).map_or(&[], Vec::as_slice)
    }

    /// [`VarGraph::collection_steps`], worked out from the graph.
    fn compute_steps(&self, procedure: &str) -> Vec<CollectStep> {
        let Some(roots) = self.procedures.get(procedure) else {
            return Vec::new();
        };
        let local = |name: &String| VarKey::Local {
            procedure: procedure.to_string(),
            name: name.clone(),
        };
        let mentioned_lookups = roots.mentions.iter().filter_map(|name| {
            let key = [local(name), VarKey::Conversation(name.clone())]
                .into_iter()
                .find(|key| self.index.contains_key(key))?;
            self.is_lookup(&key).then_some(key)
        });
        let start: Vec<NodeIndex> = roots
            .needs
            .iter()
            .map(|name| VarKey::Conversation(name.clone()))
            .chain(roots.locals.iter().map(local))
            .chain(mentioned_lookups)
            .filter_map(|key| self.index.get(&key).copied())
            .collect();
        let mut members = self.reachable(&start);
        members.extend(
            (0..roots.requires)
                .filter_map(|i| self.require_index.get(&(procedure.to_string(), i)).copied()),
        );
        self.topological(&members)
    }

    fn reachable(&self, start: &[NodeIndex]) -> FxHashSet<NodeIndex> {
        let mut seen: FxHashSet<NodeIndex> = start.iter().copied().collect();
        let mut queue: VecDeque<NodeIndex> = start.iter().copied().collect();
        while let Some(node) = queue.pop_front() {
            for next in self.graph.neighbors(node) {
                if seen.insert(next) {
                    queue.push_back(next);
                }
            }
        }
        seen
    }

    /// The step a node stands for.
    fn step(&self, node: Node) -> CollectStep {
        match node {
            Node::Var(position) => CollectStep::Collect(self.nodes[position].key.clone()),
            Node::Require(position) => CollectStep::Require(self.requirements[position].index),
        }
    }

    /// Kahn's algorithm over the dependency edges restricted to `members`, always taking
    /// a ready requirement first, then the earliest-declared ready variable.
    fn topological(&self, members: &FxHashSet<NodeIndex>) -> Vec<CollectStep> {
        let mut pending: FxHashMap<NodeIndex, usize> = members
            .iter()
            .map(|&node| {
                let deps = self
                    .graph
                    .neighbors(node)
                    .filter(|dep| members.contains(dep))
                    .collect::<FxHashSet<_>>()
                    .len();
                (node, deps)
            })
            .collect();
        let mut ready: BinaryHeap<Reverse<(Node, NodeIndex)>> = pending
            .iter()
            .filter(|&(_, &count)| count == 0)
            .map(|(&node, _)| Reverse((self.graph[node], node)))
            .collect();
        let mut order = Vec::with_capacity(members.len());
        let mut done: FxHashSet<NodeIndex> = FxHashSet::default();
        while let Some(Reverse((weight, node))) = ready.pop() {
            if !done.insert(node) {
                continue;
            }
            order.push(self.step(weight));
            let dependents: FxHashSet<NodeIndex> = self
                .graph
                .neighbors_directed(node, petgraph::Direction::Incoming)
                .filter(|d| members.contains(d))
                .collect();
            for dependent in dependents {
                if let Some(count) = pending.get_mut(&dependent) {
                    *count -= 1;
                    if *count == 0 {
                        ready.push(Reverse((self.graph[dependent], dependent)));
                    }
                }
            }
        }
        let mut stuck: Vec<Node> = members
            .iter()
            .filter(|node| !done.contains(node))
            .map(|&node| self.graph[node])
            .collect();
        stuck.sort_unstable();
        order.extend(stuck.into_iter().map(|node| self.step(node)));
        order
    }

    /// The name of a node for a cycle's message (only variables are ever on a cycle:
    /// nothing depends on a requirement).
    fn name_of(&self, node: NodeIndex) -> &str {
        match self.graph[node] {
            Node::Var(position) => self.nodes[position].key.name(),
            Node::Require(_) => "require",
        }
    }

    /// Where a node is declared, for a cycle's labels.
    fn place_of(&self, node: NodeIndex) -> Option<&VarNode> {
        match self.graph[node] {
            Node::Var(position) => self.nodes.get(position),
            Node::Require(_) => None,
        }
    }

    /// One error per strongly connected component with more than one variable.
    fn cycle_diagnostics(&self) -> Vec<Diagnostic> {
        let mut components: Vec<Vec<NodeIndex>> = tarjan_scc(&self.graph)
            .into_iter()
            .filter(|component| component.len() > 1)
            .collect();
        for component in &mut components {
            component.sort_by_key(|&node| self.graph[node]);
        }
        components.sort_by_key(|component| self.graph[component[0]]);
        components
            .iter()
            .map(|component| self.cycle_diagnostic(component))
            .collect()
    }

    fn cycle_diagnostic(&self, component: &[NodeIndex]) -> Diagnostic {
        let cycle = self.cycle_through(component);
        let names: Vec<String> = cycle
            .iter()
            .chain(cycle.first())
            .map(|&node| format!("`{}`", self.name_of(node)))
            .collect();
        let (file, span) = cycle
            .first()
            .and_then(|&node| self.place_of(node))
            .map_or((FileId(0), 0..0), |var| (var.file, var.name_span.clone()));
        let what = if cycle
            .iter()
            .any(|&node| self.place_of(node).is_some_and(|v| v.lookup))
        {
            "variables and lookups"
        } else {
            "variables"
        };
        let mut diagnostic = Diagnostic::error(
            super::codes::VARIABLE_CYCLE,
            format!("{what} depend on each other in a cycle: {}", names.join(" → ")),
            file,
            span,
        )
        .with_primary_label("this variable depends on itself through the others")
        .with_help(
            "break the cycle: remove one of these mentions from an `ask`, `when`, `check` or `default`",
        );
        for (position, &node) in cycle.iter().enumerate().skip(1) {
            let Some(var) = self.place_of(node) else {
                continue;
            };
            let previous = self.name_of(cycle[position - 1]);
            diagnostic = diagnostic.with_label(
                var.file,
                var.name_span.clone(),
                format!("`{previous}` depends on `{}`", var.key.name()),
            );
        }
        diagnostic
    }

    /// A shortest cycle through the earliest-declared node of a strongly connected
    /// component, found by breadth-first search back to it.
    fn cycle_through(&self, component: &[NodeIndex]) -> Vec<NodeIndex> {
        let start = component[0];
        let inside: FxHashSet<NodeIndex> = component.iter().copied().collect();
        let mut parent: FxHashMap<NodeIndex, NodeIndex> = FxHashMap::default();
        let mut queue = VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            let mut successors: Vec<NodeIndex> = self
                .graph
                .neighbors(node)
                .filter(|next| inside.contains(next))
                .collect();
            successors.sort_by_key(|&next| self.graph[next]);
            for next in successors {
                if next == start {
                    let mut path = vec![node];
                    while let Some(&previous) = parent.get(path.last().unwrap_or(&start)) {
                        path.push(previous);
                    }
                    path.reverse();
                    return path;
                }
                if next != start && !parent.contains_key(&next) {
                    parent.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        component.to_vec()
    }
}

#[derive(Default)]
struct GraphBuilder {
    graph: VarGraph,
}

impl GraphBuilder {
    /// Adds a node for every variable, in declaration order (a procedure's locals at the
    /// procedure's position). A duplicate keeps its first declaration.
    fn declare(&mut self, files: &[&SourceFile]) {
        for file in files {
            for item in &file.items {
                match &item.kind {
                    ItemKind::Procedure(procedure) => {
                        let roots = self
                            .graph
                            .procedures
                            .entry(procedure.name.name.clone())
                            .or_default();
                        for proc_item in &procedure.items {
                            names_in_run_item(proc_item, &mut |name| {
                                roots.mentions.push(name.name.clone())
                            });
                            match &proc_item.kind {
                                ProcItemKind::Needs(names) => {
                                    roots.needs.extend(names.iter().map(|n| n.name.clone()));
                                }
                                ProcItemKind::Var(var) => roots.locals.push(var.name.name.clone()),
                                _ => {}
                            }
                        }
                        for proc_item in &procedure.items {
                            if let Some(declared) = Declared::of_proc_item(&proc_item.kind) {
                                self.add(declared, Some(&procedure.name.name), file.id);
                            }
                        }
                        self.add_requirements(&procedure.name.name, &procedure.items);
                    }
                    kind => {
                        if let Some(declared) = Declared::of_item(kind) {
                            self.add(declared, None, file.id);
                        }
                    }
                }
            }
        }
    }

    /// A node for each `require` of a procedure, in written order (a duplicate
    /// procedure's keep the first declaration's).
    fn add_requirements(&mut self, procedure: &str, items: &[ProcItem]) {
        let count = items
            .iter()
            .filter(|item| matches!(item.kind, ProcItemKind::Require { .. }))
            .count();
        for index in 0..count {
            let key = (procedure.to_string(), index);
            if self.graph.require_index.contains_key(&key) {
                continue;
            }
            let position = self.graph.requirements.len();
            self.graph.requirements.push(RequireNode { index });
            let node = self.graph.graph.add_node(Node::Require(position));
            self.graph.require_index.insert(key, node);
        }
        if let Some(roots) = self.graph.procedures.get_mut(procedure) {
            roots.requires = roots.requires.max(count);
        }
    }

    /// An edge from each `require` to every variable its condition and message mention.
    fn connect_requirements(&mut self, procedure: &str, items: &[ProcItem]) {
        let requirements = items.iter().filter_map(|item| match &item.kind {
            ProcItemKind::Require { cond, message } => Some((cond, message)),
            _ => None,
        });
        for (index, (cond, message)) in requirements.enumerate() {
            let Some(&from) = self
                .graph
                .require_index
                .get(&(procedure.to_string(), index))
            else {
                continue;
            };
            let mut mentions: Vec<&Ident> = Vec::new();
            names_in_expr(cond, &mut |name| mentions.push(name));
            names_in_template(message, &mut |name| mentions.push(name));
            for name in mentions {
                if let Some(to) = self.resolve(&name.name, Some(procedure))
                    && self.graph.graph.find_edge(from, to).is_none()
                {
                    self.graph.graph.add_edge(from, to, DepKind::Guard);
                }
            }
        }
    }

    /// A node for a declaration of `procedure` (a conversation one when `None`).
    fn add(&mut self, declared: Declared<'_>, procedure: Option<&str>, file: FileId) {
        let name = declared.name();
        let key = VarKey::declared(&name.name, procedure);
        if self.graph.index.contains_key(&key) {
            return;
        }
        let position = self.graph.nodes.len();
        self.graph.nodes.push(VarNode {
            key: key.clone(),
            file,
            name_span: name.span.clone(),
            lookup: matches!(declared, Declared::Lookup(_)),
        });
        let node = self.graph.graph.add_node(Node::Var(position));
        self.graph.index.insert(key, node);
    }

    /// Adds an edge for every mention in each variable's `ask`, `when`, `check` and
    /// `default`. A local variable sees its procedure's locals first, then conversation
    /// variables; a conversation variable sees only conversation variables.
    fn connect(&mut self, files: &[&SourceFile]) {
        // Lookups first: a variable's check needs to know what each lookup mentions to
        // tell a validation from a cycle.
        for pass in [Pass::Lookups, Pass::Vars] {
            for file in files {
                for item in &file.items {
                    if let ItemKind::Procedure(procedure) = &item.kind {
                        let name = procedure.name.name.as_str();
                        for proc_item in &procedure.items {
                            if let Some(declared) = Declared::of_proc_item(&proc_item.kind) {
                                self.connect_declared(pass, declared, Some(name));
                            }
                        }
                        if pass == Pass::Vars {
                            self.connect_requirements(name, &procedure.items);
                        }
                    } else if let Some(declared) = Declared::of_item(&item.kind) {
                        self.connect_declared(pass, declared, None);
                    }
                }
            }
        }
    }

    /// Connects a declaration of `procedure` (a conversation one when `None`) if it is
    /// of the kind `pass` connects.
    fn connect_declared(&mut self, pass: Pass, declared: Declared<'_>, procedure: Option<&str>) {
        match (pass, declared) {
            (Pass::Lookups, Declared::Lookup(lookup)) => {
                let key = VarKey::declared(&lookup.name.name, procedure);
                self.connect_lookup(&key, lookup, procedure);
            }
            (Pass::Vars, Declared::Var(var)) => {
                let key = VarKey::declared(&var.name.name, procedure);
                self.connect_var(&key, var, procedure);
            }
            _ => {}
        }
    }

    /// A lookup depends on everything its request and `when` mention.
    fn connect_lookup(&mut self, key: &VarKey, lookup: &LookupDecl, procedure: Option<&str>) {
        let Some(&from) = self.graph.index.get(key) else {
            return;
        };
        let mut mentions: Vec<&Ident> = Vec::new();
        names_in_lookup(lookup, &mut |name| mentions.push(name));
        for name in mentions {
            if let Some(to) = self.resolve(&name.name, procedure)
                && to != from
                && self.graph.graph.find_edge(from, to).is_none()
            {
                self.graph.graph.add_edge(from, to, DepKind::Guard);
            }
        }
    }

    /// Whether `check`ing the variable `var` with a mention of `to` is a validation:
    /// `to` is a lookup whose request (or `when`) mentions `var`.
    fn validates(&self, var: NodeIndex, to: NodeIndex) -> bool {
        matches!(self.graph.graph[to], Node::Var(p) if self.graph.nodes[p].lookup)
            && self.graph.graph.find_edge(to, var).is_some()
    }

    fn connect_var(&mut self, key: &VarKey, var: &VarDecl, procedure: Option<&str>) {
        let Some(&from) = self.graph.index.get(key) else {
            return;
        };
        let mut validations: Vec<NodeIndex> = Vec::new();
        let mut mentions: Vec<(&Ident, DepKind)> = Vec::new();
        for item in &var.items {
            match &item.kind {
                // §7: a mention in a prompt, an `invalid` message or `suggestions`
                // (which do not restrict the answer) orders collection only.
                VarItemKind::Ask(template) | VarItemKind::Invalid(template) => {
                    names_in_template(template, &mut |name| mentions.push((name, DepKind::Prompt)));
                }
                VarItemKind::Suggestions(expr) => {
                    names_in_expr(expr, &mut |name| mentions.push((name, DepKind::Prompt)));
                }
                // `choices` restricts the answer: a correction of what it mentions
                // makes the value stale.
                VarItemKind::When(expr)
                | VarItemKind::Default(expr)
                | VarItemKind::Choices(expr) => {
                    names_in_expr(expr, &mut |name| mentions.push((name, DepKind::Guard)));
                }
                VarItemKind::Check { expr, message } => {
                    let mut checked: Vec<&Ident> = Vec::new();
                    names_in_expr(expr, &mut |name| checked.push(name));
                    names_in_template(message, &mut |name| checked.push(name));
                    for name in checked {
                        match self.resolve(&name.name, procedure) {
                            Some(to) if self.validates(from, to) => {
                                if !validations.contains(&to) {
                                    validations.push(to);
                                }
                            }
                            _ => mentions.push((name, DepKind::Guard)),
                        }
                    }
                }
                VarItemKind::Attempts(_) => {}
            }
        }
        if !validations.is_empty() {
            validations.sort_by_key(|&node| self.graph.graph[node]);
            let keys = validations
                .iter()
                .filter_map(|&node| match self.graph.graph[node] {
                    Node::Var(p) => Some(self.graph.nodes[p].key.clone()),
                    Node::Require(_) => None,
                })
                .collect();
            self.graph.validations.insert(key.clone(), keys);
        }
        for (name, kind) in mentions {
            let Some(to) = self.resolve(&name.name, procedure) else {
                continue;
            };
            if to == from || validations.contains(&to) {
                continue;
            }
            match self.graph.graph.find_edge(from, to) {
                Some(edge) if kind == DepKind::Guard => self.graph.graph[edge] = DepKind::Guard,
                Some(_) => {}
                None => {
                    self.graph.graph.add_edge(from, to, kind);
                }
            }
        }
    }

    fn resolve(&self, name: &str, procedure: Option<&str>) -> Option<NodeIndex> {
        let local = procedure.and_then(|procedure| {
            self.graph.index.get(&VarKey::Local {
                procedure: procedure.to_string(),
                name: name.to_string(),
            })
        });
        local
            .or_else(|| {
                self.graph
                    .index
                    .get(&VarKey::Conversation(name.to_string()))
            })
            .copied()
    }
}
