//! The editor package's TextMate grammar (`editors/vscode/syntaxes/proc.tmLanguage.json`)
//! scopes the contract's example sensibly: its patterns are compiled with `fancy-regex`
//! (they use the Oniguruma subset it shares) and run by a small TextMate engine, line by
//! line, as an editor runs them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
use std::collections::HashMap;

use fancy_regex::Regex;
use serde_json::Value;

/// A pattern list entry: a compiled rule, or an include of a repository key (resolved
/// when matching, so that recursive grammars, such as strings inside interpolations
/// inside strings, compile).
#[derive(Clone)]
enum Entry {
    Rule(usize),
    Include(String),
}

/// A compiled rule: a single `match`, or a `begin`/`end` region with inner patterns.
enum Rule {
    Match {
        regex: Regex,
        name: Option<String>,
        captures: HashMap<usize, String>,
    },
    Region {
        begin: Regex,
        end: Regex,
        name: Option<String>,
        patterns: Vec<Entry>,
    },
}

struct Grammar {
    rules: Vec<Rule>,
    repository: HashMap<String, Vec<Entry>>,
    top: Vec<Entry>,
}

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("pattern {pattern:?}: {e}"))
}

impl Grammar {
    fn load() -> Grammar {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/editors/vscode/syntaxes/proc.tmLanguage.json"
        );
        let json: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("grammar"))
            .expect("grammar is JSON");
        assert_eq!(json["scopeName"], "source.proc");
        let mut grammar = Grammar {
            rules: Vec::new(),
            repository: HashMap::new(),
            top: Vec::new(),
        };
        for (key, value) in json["repository"].as_object().into_iter().flatten() {
            let entries = match value.get("patterns") {
                Some(list) if value.get("begin").is_none() => grammar.patterns(list),
                _ => grammar.patterns(&Value::Array(vec![value.clone()])),
            };
            grammar.repository.insert(key.clone(), entries);
        }
        grammar.top = grammar.patterns(&json["patterns"]);
        grammar
    }

    /// Compiles a `patterns` list.
    fn patterns(&mut self, list: &Value) -> Vec<Entry> {
        let mut out = Vec::new();
        for pattern in list.as_array().into_iter().flatten() {
            if let Some(include) = pattern["include"].as_str() {
                let key = include
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("unsupported include {include}"));
                out.push(Entry::Include(key.to_string()));
                continue;
            }
            let name = pattern["name"].as_str().map(str::to_string);
            let rule = if let Some(regex) = pattern["match"].as_str() {
                let captures = pattern["captures"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, v["name"].as_str()?.to_string())))
                    .collect();
                Rule::Match {
                    regex: compile(regex),
                    name,
                    captures,
                }
            } else if let Some(begin) = pattern["begin"].as_str() {
                let end = pattern["end"].as_str().expect("a region has an end");
                let patterns = self.patterns(&pattern["patterns"]);
                Rule::Region {
                    begin: compile(begin),
                    end: compile(end),
                    name,
                    patterns,
                }
            } else {
                panic!("a pattern without match, begin or include: {pattern}");
            };
            self.rules.push(rule);
            out.push(Entry::Rule(self.rules.len() - 1));
        }
        out
    }

    /// The rules of a pattern list, includes expanded (each key once).
    fn expand(&self, entries: &[Entry], seen: &mut Vec<String>, out: &mut Vec<usize>) {
        for entry in entries {
            match entry {
                Entry::Rule(index) => out.push(*index),
                Entry::Include(key) => {
                    if seen.contains(key) {
                        continue;
                    }
                    seen.push(key.clone());
                    let included = self
                        .repository
                        .get(key)
                        .unwrap_or_else(|| panic!("missing #{key}"));
                    self.expand(included, seen, out);
                }
            }
        }
    }

    fn rules_of(&self, entries: &[Entry]) -> Vec<usize> {
        let mut out = Vec::new();
        self.expand(entries, &mut Vec::new(), &mut out);
        out
    }

    /// Tokenizes `text`: per line, the (text, scopes) pieces.
    fn tokenize(&self, text: &str) -> Vec<(String, Vec<String>)> {
        let mut stack: Vec<usize> = Vec::new();
        let mut pieces = Vec::new();
        for line in text.lines() {
            let mut at = 0;
            while at <= line.len() {
                let scopes: Vec<String> = stack
                    .iter()
                    .filter_map(|&r| match &self.rules[r] {
                        Rule::Region { name, .. } => name.clone(),
                        Rule::Match { .. } => None,
                    })
                    .collect();
                let (candidates, end) = match stack.last().map(|&r| &self.rules[r]) {
                    Some(Rule::Region { patterns, end, .. }) => {
                        (self.rules_of(patterns), Some(end))
                    }
                    _ => (self.rules_of(&self.top), None),
                };
                // The earliest match wins; the region's end wins ties.
                let mut best: Option<(usize, usize, Option<usize>)> = None;
                if let Some(end) = end
                    && let Ok(Some(m)) = end.find_from_pos(line, at)
                {
                    best = Some((m.start(), m.end(), None));
                }
                for candidate in candidates {
                    let regex = match &self.rules[candidate] {
                        Rule::Match { regex, .. } => regex,
                        Rule::Region { begin, .. } => begin,
                    };
                    if let Ok(Some(m)) = regex.find_from_pos(line, at)
                        && best.is_none_or(|(start, _, _)| m.start() < start)
                    {
                        best = Some((m.start(), m.end(), Some(candidate)));
                    }
                }
                let Some((start, end_at, rule)) = best else {
                    if at < line.len() {
                        pieces.push((line[at..].to_string(), scopes.clone()));
                    }
                    break;
                };
                if start > at {
                    pieces.push((line[at..start].to_string(), scopes.clone()));
                }
                match rule {
                    None => {
                        pieces.push((line[start..end_at].to_string(), scopes.clone()));
                        stack.pop();
                    }
                    Some(r) => match &self.rules[r] {
                        Rule::Match {
                            regex,
                            name,
                            captures,
                        } => {
                            let mut with = scopes.clone();
                            with.extend(name.clone());
                            if captures.is_empty() {
                                pieces.push((line[start..end_at].to_string(), with));
                            } else if let Ok(Some(groups)) = regex.captures_from_pos(line, start) {
                                for (group, scope) in captures {
                                    if let Some(g) = groups.get(*group) {
                                        let mut scoped = with.clone();
                                        scoped.push(scope.clone());
                                        pieces.push((g.as_str().to_string(), scoped));
                                    }
                                }
                            }
                        }
                        Rule::Region { name, .. } => {
                            let mut with = scopes.clone();
                            with.extend(name.clone());
                            pieces.push((line[start..end_at].to_string(), with));
                            stack.push(r);
                        }
                    },
                }
                if end_at == start {
                    // A zero-width end (`$`) or match: step on, or finish the line.
                    if end_at >= line.len() {
                        break;
                    }
                    at = end_at + line[end_at..].chars().next().map_or(1, char::len_utf8);
                } else {
                    at = end_at;
                }
            }
        }
        pieces
    }
}

/// The scopes of the first piece whose text is `text` (after `skip` such pieces).
fn scopes_of<'p>(pieces: &'p [(String, Vec<String>)], text: &str, skip: usize) -> &'p [String] {
    pieces
        .iter()
        .filter(|(t, _)| t == text)
        .nth(skip)
        .map(|(_, s)| s.as_slice())
        .unwrap_or_else(|| panic!("no piece {text:?} in {pieces:?}"))
}

fn has(scopes: &[String], prefix: &str) -> bool {
    scopes.iter().any(|s| s.starts_with(prefix))
}

#[test]
fn the_contract_example_is_scoped_sensibly() {
    let grammar = Grammar::load();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/contract_example.proc"
    ))
    .expect("example");
    let pieces = grammar.tokenize(&example);

    // Keywords.
    assert!(has(scopes_of(&pieces, "procedure", 0), "storage.type"));
    assert!(has(
        scopes_of(&pieces, "see_pricing", 0),
        "entity.name.function"
    ));
    assert!(has(scopes_of(&pieces, "trigger", 0), "keyword.control"));
    assert!(has(scopes_of(&pieces, "in", 0), "keyword.operator.word"));
    assert!(has(scopes_of(&pieces, "follow_up", 0), "support.type.kind"));
    // Comments and doc comments.
    assert!(has(
        scopes_of(&pieces, "// ids as the knowledge platform knows them", 0),
        "comment.line.double-slash"
    ));
    let doc = pieces
        .iter()
        .find(|(t, _)| t.starts_with("/// A conversation variable"))
        .expect("doc comment");
    assert!(has(&doc.1, "comment.line.documentation"));
    // Strings with interpolations: the expression inside is not string text.
    let label = scopes_of(&pieces, "Bearer ", 0);
    assert!(has(label, "string.quoted.double"), "{label:?}");
    let secret = scopes_of(&pieces, "secret", 1);
    assert!(
        has(secret, "meta.interpolation") && has(secret, "variable.language"),
        "{secret:?}"
    );
    let nested = scopes_of(&pieces, "unknown", 0);
    assert!(
        has(nested, "meta.interpolation") && has(nested, "string.quoted.double"),
        "{nested:?}"
    );
    // A regex quantifier `{6}` is text, not an interpolation.
    assert!(has(
        scopes_of(&pieces, "{6}", 0),
        "string.regexp.quantifier"
    ));
    // Durations, numbers, raw strings.
    assert!(has(
        scopes_of(&pieces, "5s", 0),
        "constant.numeric.duration"
    ));
    assert!(has(scopes_of(&pieces, "100000", 0), "constant.numeric"));
    assert!(has(scopes_of(&pieces, "200", 0), "constant.numeric"));
    let script = pieces
        .iter()
        .find(|(t, _)| t.contains("window.SizeGuide.open"))
        .expect("script line");
    assert!(has(&script.1, "string.quoted.triple"), "{script:?}");
    // After the raw string closes, code is code again.
    assert!(has(scopes_of(&pieces, "args", 0), "keyword.control"));
}
