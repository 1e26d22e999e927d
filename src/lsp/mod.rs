//! `procc lsp`: a Language Server Protocol server over stdio.
//!
//! Built on `lsp-server` (rust-analyzer's synchronous transport) and `lsp-types`: the
//! server is one loop on one thread, so no async runtime is needed and each request sees
//! the analysis of the latest edits. Edits are debounced: an edit after a quiet spell
//! is checked at once, and one that follows another within [`DEBOUNCE`] (a burst) waits
//! until no edit has arrived for [`DEBOUNCE`]; edits that come while a check runs are
//! checked together after it. A project is checked from the documents in memory
//! (`workspace::Workspace`), and its diagnostics are published — the same codes,
//! spans, labels and help as `procc check`. The analysis's diagnostics are published as
//! soon as it is done; generating and verifying the program (which `procc check` does to
//! report the limits of the bundle format) runs on another thread (`verify`), and the
//! diagnostics are published again if it adds one, unless an edit came meanwhile. A
//! request that needs the analysis checks the pending edits first.
//!
//! Features: diagnostics, hover, go to definition, references, rename, completion,
//! document symbols, formatting (the bytes of `procc fmt`) and quick fixes from "did
//! you mean" help lines.

mod complete;
pub mod convert;
mod diagnostics;
mod hover;
mod names;
mod outline;
mod verify;
mod vocabulary;
mod workspace;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeActionOrCommand, CodeActionProviderCapability, CompletionOptions, CompletionResponse,
    DocumentSymbolResponse, GotoDefinitionResponse, Hover, HoverContents, HoverProviderCapability,
    InitializeParams, Location, MarkupContent, MarkupKind, OneOf, PublishDiagnosticsParams, Range,
    ServerCapabilities, TextDocumentContentChangeEvent, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextEdit, Uri, WorkspaceEdit,
};
use serde_json::Value;

use self::convert::{LineIndex, path_to_uri, uri_to_path};
use self::names::{Resolver, Target};
use self::verify::{Job, Outcome, Verifier};
use self::workspace::Workspace;
use crate::syntax::ast::FileId;

/// How long after the last edit of a burst a project is re-checked (an edit that comes
/// this long or more after the previous one is checked at once).
pub const DEBOUNCE: Duration = Duration::from_millis(15);

/// Runs the server on stdin/stdout until the client says `exit`.
pub fn run_stdio() -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads.join().map_err(|error| error.to_string())
}

/// What the server offers.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".to_string(), ":".to_string()]),
            ..Default::default()
        }),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    }
}

/// Serves one client on `connection`: the handshake, then messages until `exit`.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let capabilities = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    let params = connection
        .initialize(capabilities)
        .map_err(|error| error.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let mut server = Server::new(connection, workspace_root(&params));
    let mut outcomes = server.verifier.outcomes.clone();
    loop {
        let timer = match server.deadline {
            Some(deadline) => crossbeam_channel::at(deadline),
            None => crossbeam_channel::never(),
        };
        // The client first: an edit waiting in the queue marks its project stale before
        // the verifier's outcome for the older text is looked at, so that outcome is
        // dropped rather than published.
        crossbeam_channel::select_biased! {
            recv(connection.receiver) -> message => {
                let Ok(message) = message else {
                    return Ok(());
                };
                if !server.message(message)? {
                    return Ok(());
                }
            }
            recv(outcomes) -> outcome => match outcome {
                Ok(outcome) => server.verified(outcome),
                // The verifier thread is gone (it outlives the loop, so this is
                // defensive): stop listening rather than spin on a closed channel.
                Err(_) => outcomes = crossbeam_channel::never(),
            },
            recv(timer) -> _ => server.flush(),
        }
    }
}

/// The workspace folder of the handshake: the first folder, else the root URI.
fn workspace_root(params: &InitializeParams) -> Option<PathBuf> {
    if let Some(folder) = params.workspace_folders.as_ref().and_then(|f| f.first()) {
        return uri_to_path(&folder.uri);
    }
    #[allow(deprecated)] // Older clients (Neovim 0.7) send only `rootUri`.
    let root = params.root_uri.as_ref();
    root.and_then(uri_to_path)
}

/// The server's state between messages.
struct Server<'c> {
    connection: &'c Connection,
    workspace: Workspace,
    /// Projects with edits not yet checked, and the documents edited.
    dirty: HashSet<usize>,
    edited: HashSet<PathBuf>,
    /// When the pending edits are checked.
    deadline: Option<Instant>,
    /// When the latest edit came.
    last_edit: Option<Instant>,
    /// What was last published per file.
    published: HashMap<PathBuf, Vec<lsp_types::Diagnostic>>,
    /// The thread that generates and verifies analysed projects.
    verifier: Verifier,
}

/// A request's failure: an error code and a message for the client.
type Failure = (ErrorCode, String);

impl<'c> Server<'c> {
    fn new(connection: &'c Connection, root: Option<PathBuf>) -> Self {
        let stdlib_dir =
            std::env::temp_dir().join(format!("procc-{}-stdlib", env!("CARGO_PKG_VERSION")));
        Server {
            connection,
            workspace: Workspace::new(root, stdlib_dir),
            dirty: HashSet::new(),
            edited: HashSet::new(),
            deadline: None,
            last_edit: None,
            published: HashMap::new(),
            verifier: Verifier::start(),
        }
    }

    /// Handles one message from the client; false once the session is over.
    fn message(&mut self, message: Message) -> Result<bool, String> {
        match message {
            Message::Request(request) => {
                if self
                    .connection
                    .handle_shutdown(&request)
                    .map_err(|error| error.to_string())?
                {
                    return Ok(false);
                }
                self.flush();
                // A defect in one feature answers that request with an error instead of
                // ending the editor's session.
                let id = request.id.clone();
                let response = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.request(request)
                }))
                .unwrap_or_else(|_| {
                    respond(
                        id,
                        Err((ErrorCode::InternalError, "internal error".to_string())),
                    )
                });
                self.send(response.into());
            }
            Message::Notification(notification) => {
                if notification.method == "exit" {
                    return Ok(false);
                }
                self.notification(notification);
            }
            Message::Response(_) => {}
        }
        Ok(true)
    }

    fn send(&self, message: Message) {
        // A closed channel means the client is gone; the loop ends on the next receive.
        let _ = self.connection.sender.send(message);
    }

    fn notification(&mut self, notification: Notification) {
        let params = notification.params;
        match notification.method.as_str() {
            "textDocument/didOpen" => {
                let Some(path) = document_path(&params, "/textDocument/uri") else {
                    return;
                };
                let text = str_at(&params, "/textDocument/text")
                    .unwrap_or("")
                    .to_string();
                let project = self.workspace.set_open(&path, text);
                self.touch(project, path, Duration::ZERO);
            }
            "textDocument/didChange" => {
                let Some(path) = document_path(&params, "/textDocument/uri") else {
                    return;
                };
                let changes: Vec<TextDocumentContentChangeEvent> = params
                    .get("contentChanges")
                    .and_then(|c| serde_json::from_value(c.clone()).ok())
                    .unwrap_or_default();
                let mut text = self.workspace.text(&path).unwrap_or("").to_string();
                for change in changes {
                    apply_change(&mut text, change);
                }
                let project = self.workspace.set_open(&path, text);
                self.touch(project, path, DEBOUNCE);
            }
            "textDocument/didClose" => {
                let Some(path) = document_path(&params, "/textDocument/uri") else {
                    return;
                };
                if let Some(project) = self.workspace.close(&path) {
                    self.touch(project, path, DEBOUNCE);
                }
            }
            _ => {}
        }
    }

    /// Marks a project for re-checking after `delay` from now, or at once when no edit
    /// came in the last `delay`: waiting only helps to check a burst of edits once, and a
    /// lone edit would wait for nothing. Messages already queued are handled before the
    /// check (the loop prefers them), so the rest of a burst joins it.
    fn touch(&mut self, project: usize, path: PathBuf, delay: Duration) {
        self.dirty.insert(project);
        self.edited.insert(path);
        let now = Instant::now();
        let quiet = self
            .last_edit
            .is_none_or(|last| now.saturating_duration_since(last) >= delay);
        self.last_edit = Some(now);
        self.deadline = Some(if quiet { now } else { now + delay });
    }

    /// Checks the projects with pending edits and publishes what changed; generating
    /// and verifying each goes to the verifier thread.
    fn flush(&mut self) {
        self.deadline = None;
        let dirty: Vec<usize> = self.dirty.drain().collect();
        let edited: HashSet<PathBuf> = self.edited.drain().collect();
        for project in dirty {
            // The last check's generation found a limit of the bundle format: the edit
            // most likely leaves it, so wait for it here rather than let its diagnostic
            // blink off and on at every keystroke.
            let wait = self
                .workspace
                .projects
                .get(project)
                .is_some_and(|p| !p.late.is_empty());
            if self.workspace.analyze(project).is_none() {
                continue;
            }
            let state = &mut self.workspace.projects[project];
            let job = match &state.analysis {
                Some(analysis) if !state.verified => Some(Job {
                    project,
                    generation: state.generation,
                    analysis: Arc::clone(analysis),
                }),
                _ => None,
            };
            if let Some(job) = job {
                let job = if wait {
                    Err(job)
                } else {
                    self.verifier.submit(job)
                };
                if let Err(job) = job {
                    state.late = verify::diagnostics(&job.analysis);
                    state.verified = true;
                }
            }
            self.publish(project, &edited);
        }
    }

    /// The verifier thread's outcome for an analysis: published if it adds diagnostics
    /// and no edit came since (that edit's own check supersedes it).
    fn verified(&mut self, outcome: Outcome) {
        let Some(state) = self.workspace.projects.get_mut(outcome.project) else {
            return;
        };
        if state.generation != outcome.generation
            || state.stale
            || self.dirty.contains(&outcome.project)
        {
            return;
        }
        state.verified = true;
        if outcome.diagnostics.is_empty() {
            return;
        }
        state.late = outcome.diagnostics;
        self.publish(outcome.project, &HashSet::new());
    }

    /// Publishes a project's diagnostics for the files whose diagnostics changed since
    /// last published, and for the `edited` files in any case (an editor expects an
    /// answer to an edit).
    fn publish(&mut self, project: usize, edited: &HashSet<PathBuf>) {
        let Some(state) = self.workspace.projects.get(project) else {
            return;
        };
        let by_file = diagnostics::by_file(state, &self.workspace.stdlib_dir);
        let mut notes = Vec::new();
        for (path, diagnostics) in by_file {
            let changed = self.published.get(&path) != Some(&diagnostics);
            if !(changed || edited.contains(&path)) {
                continue;
            }
            let Some(uri) = path_to_uri(&path) else {
                continue;
            };
            notes.push(Notification::new(
                "textDocument/publishDiagnostics".to_string(),
                PublishDiagnosticsParams::new(uri, diagnostics.clone(), None),
            ));
            self.published.insert(path, diagnostics);
        }
        for note in notes {
            self.send(note.into());
        }
    }

    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            "textDocument/hover" => self.hover(&request.params),
            "textDocument/definition" => self.definition(&request.params),
            "textDocument/references" => self.references(&request.params),
            "textDocument/rename" => self.rename(&request.params),
            "textDocument/completion" => self.completion(&request.params),
            "textDocument/documentSymbol" => self.document_symbols(&request.params),
            "textDocument/formatting" => self.formatting(&request.params),
            "textDocument/codeAction" => self.code_actions(&request.params),
            other => Err((
                ErrorCode::MethodNotFound,
                format!("`{other}` is not supported"),
            )),
        };
        respond(id, result)
    }

    /// The analysed project of the document in `params`, its file id and the offset of
    /// `params.position`.
    fn locate(&mut self, params: &Value) -> Result<(usize, FileId, usize), Failure> {
        let path = document_path(params, "/textDocument/uri").ok_or_else(bad_document)?;
        let stdlib_dir = self.workspace.stdlib_dir.clone();
        let (project, state) = self
            .workspace
            .analysis_for(&path)
            .ok_or_else(bad_document)?;
        let file = state.file_id(&path, &stdlib_dir).ok_or_else(bad_document)?;
        let offset = match params.get("position") {
            Some(position) => {
                let position = serde_json::from_value(position.clone())
                    .map_err(|e| (ErrorCode::InvalidParams, e.to_string()))?;
                let text = &self.analysis(project)?.sources.get(file).text;
                LineIndex::new(text).offset(position)
            }
            None => 0,
        };
        Ok((project, file, offset))
    }

    fn analysis(&self, project: usize) -> Result<&crate::compiler::Compilation, Failure> {
        self.workspace
            .projects
            .get(project)
            .and_then(|p| p.analysis.as_deref())
            .ok_or_else(bad_document)
    }

    /// A protocol location of a span.
    fn location(
        &self,
        project: usize,
        file: FileId,
        span: &crate::syntax::ast::Span,
    ) -> Option<Location> {
        let state = self.workspace.projects.get(project)?;
        let analysis = state.analysis.as_deref()?;
        let path = state.path_of(file, &self.workspace.stdlib_dir)?;
        let range = LineIndex::new(&analysis.sources.get(file).text).range(span);
        Some(Location::new(path_to_uri(&path)?, range))
    }

    fn hover(&mut self, params: &Value) -> Result<Value, Failure> {
        let (project, file, offset) = self.locate(params)?;
        let compilation = self.analysis(project)?;
        let resolver = Resolver::new(compilation);
        let Some((markdown, span)) = hover::hover(&resolver, file, offset) else {
            return Ok(Value::Null);
        };
        let range = LineIndex::new(&compilation.sources.get(file).text).range(&span);
        to_value(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }),
            range: Some(range),
        })
    }

    /// The target at the request's position, with its name.
    fn target(&mut self, params: &Value) -> Result<Option<(usize, Target, String)>, Failure> {
        let (project, file, offset) = self.locate(params)?;
        let resolver = Resolver::new(self.analysis(project)?);
        Ok(resolver
            .at(file, offset)
            .and_then(|(occ, target)| Some((project, target?, occ.name.to_string()))))
    }

    fn definition(&mut self, params: &Value) -> Result<Value, Failure> {
        let Some((project, target, _)) = self.target(params)? else {
            return Ok(Value::Null);
        };
        let Some((file, span)) = target.location() else {
            return Ok(Value::Null);
        };
        match self.location(project, file, span) {
            Some(location) => to_value(GotoDefinitionResponse::Scalar(location)),
            None => Ok(Value::Null),
        }
    }

    fn references(&mut self, params: &Value) -> Result<Value, Failure> {
        let Some((project, target, name)) = self.target(params)? else {
            return Ok(Value::Null);
        };
        let include_declaration = params
            .pointer("/context/includeDeclaration")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let found = Resolver::new(self.analysis(project)?).references(&target, &name);
        let declaration = target.location().map(|(f, s)| (f, s.clone()));
        let locations: Vec<Location> = found
            .iter()
            .filter(|reference| include_declaration || Some(*reference) != declaration.as_ref())
            .filter_map(|(file, span)| self.location(project, *file, span))
            .collect();
        to_value(locations)
    }

    // `lsp_types::Uri` caches its parse in a cell, which clippy takes for a mutable key;
    // the protocol's `WorkspaceEdit::changes` is keyed by it, and the cache does not
    // change its hash.
    #[allow(clippy::mutable_key_type)]
    fn rename(&mut self, params: &Value) -> Result<Value, Failure> {
        let new_name = str_at(params, "/newName").unwrap_or("").to_string();
        if !is_identifier(&new_name) {
            return Err((
                ErrorCode::InvalidParams,
                format!(
                    "`{new_name}` is not a name: use letters, digits and `_`, not starting with a digit"
                ),
            ));
        }
        let Some((project, target, name)) = self.target(params)? else {
            return Err((
                ErrorCode::InvalidParams,
                "there is no name here to rename".to_string(),
            ));
        };
        let resolver = Resolver::new(self.analysis(project)?);
        let Some((declared_in, _)) = target.location() else {
            return Err((ErrorCode::InvalidParams, format!("`{name}` is built in")));
        };
        if resolver.is_stdlib(declared_in) {
            return Err((
                ErrorCode::InvalidParams,
                format!("`{name}` is declared in the standard library"),
            ));
        }
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for (file, span) in resolver.references(&target, &name) {
            if let Some(location) = self.location(project, file, &span) {
                changes
                    .entry(location.uri)
                    .or_default()
                    .push(TextEdit::new(location.range, new_name.clone()));
            }
        }
        to_value(WorkspaceEdit::new(changes))
    }

    fn completion(&mut self, params: &Value) -> Result<Value, Failure> {
        let (project, file, offset) = self.locate(params)?;
        let resolver = Resolver::new(self.analysis(project)?);
        to_value(CompletionResponse::Array(complete::complete(
            &resolver, file, offset,
        )))
    }

    fn document_symbols(&mut self, params: &Value) -> Result<Value, Failure> {
        let (project, file, _) = self.locate(params)?;
        let compilation = self.analysis(project)?;
        let index = LineIndex::new(&compilation.sources.get(file).text);
        let symbols = compilation
            .files
            .get(file.0 as usize)
            .map(|parsed| outline::symbols(parsed, &index))
            .unwrap_or_default();
        to_value(DocumentSymbolResponse::Nested(symbols))
    }

    fn formatting(&mut self, params: &Value) -> Result<Value, Failure> {
        let path = document_path(params, "/textDocument/uri").ok_or_else(bad_document)?;
        let text = self.workspace.text(&path).ok_or_else(bad_document)?;
        // A file with syntax errors is left as it is, as `procc fmt` leaves it.
        let Ok(formatted) = crate::format::format_source(text) else {
            return Ok(Value::Null);
        };
        if formatted == text {
            return to_value(Vec::<TextEdit>::new());
        }
        let index = LineIndex::new(text);
        let whole = Range::new(index.position(0), index.position(text.len()));
        to_value(vec![TextEdit::new(whole, formatted)])
    }

    fn code_actions(&mut self, params: &Value) -> Result<Value, Failure> {
        let uri: Uri = params
            .pointer("/textDocument/uri")
            .and_then(|u| serde_json::from_value(u.clone()).ok())
            .ok_or_else(bad_document)?;
        let (project, file, _) = self.locate(params)?;
        let compilation = self.analysis(project)?;
        let index = LineIndex::new(&compilation.sources.get(file).text);
        let range: Range = params
            .get("range")
            .and_then(|r| serde_json::from_value(r.clone()).ok())
            .unwrap_or_default();
        let span = index.offset(range.start)..index.offset(range.end);
        let actions: Vec<CodeActionOrCommand> =
            diagnostics::quick_fixes(&compilation.diagnostics, file, &index, &uri, &span)
                .into_iter()
                .map(CodeActionOrCommand::CodeAction)
                .collect();
        to_value(actions)
    }
}

fn respond(id: RequestId, result: Result<Value, Failure>) -> Response {
    match result {
        Ok(value) => Response::new_ok(id, value),
        Err((code, message)) => Response::new_err(id, code as i32, message),
    }
}

fn to_value(value: impl serde::Serialize) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

fn bad_document() -> Failure {
    (
        ErrorCode::InvalidParams,
        "not a `.proc` document of this workspace".to_string(),
    )
}

fn str_at<'v>(params: &'v Value, pointer: &str) -> Option<&'v str> {
    params.pointer(pointer).and_then(Value::as_str)
}

fn document_path(params: &Value, pointer: &str) -> Option<PathBuf> {
    let uri: Uri = str_at(params, pointer)?.parse().ok()?;
    uri_to_path(&uri)
}

/// Applies one content change (a range edit, or the whole text).
fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let index = LineIndex::new(text);
            let start = index.offset(range.start);
            let end = index.offset(range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
    }
}

/// Whether `name` is a `.proc` identifier.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
