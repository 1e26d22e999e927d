//! Where typed lines come from: a line editor with history on a terminal, plain lines
//! otherwise (so a preview can be scripted). Scripted lines are echoed after the prompt,
//! so the transcript reads like the terminal session would.

use std::io::{BufRead, IsTerminal, Write};

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

/// A source of typed lines.
pub(super) enum Lines {
    /// An interactive terminal: rustyline, with in-session history.
    Terminal(Box<DefaultEditor>),
    /// Anything else: stdin line by line, echoed.
    Piped(std::io::StdinLock<'static>),
}

impl Lines {
    /// The line editor when stdin and stdout are terminals, plain lines otherwise.
    pub(super) fn open() -> Lines {
        if std::io::stdin().is_terminal()
            && std::io::stdout().is_terminal()
            && let Ok(editor) = DefaultEditor::new()
        {
            return Lines::Terminal(Box::new(editor));
        }
        Lines::Piped(std::io::stdin().lock())
    }

    /// Reads the next line after showing `prompt`: `Ok(None)` at the end of input (or
    /// Ctrl-D), an error message when stdin cannot be read.
    pub(super) fn read(&mut self, prompt: &str) -> Result<Option<String>, String> {
        match self {
            Lines::Terminal(editor) => loop {
                match editor.readline(prompt) {
                    Ok(line) => {
                        if !line.trim().is_empty() {
                            let _ = editor.add_history_entry(line.as_str());
                        }
                        return Ok(Some(line));
                    }
                    // Ctrl-C abandons the line being typed, as in a shell.
                    Err(ReadlineError::Interrupted) => continue,
                    Err(ReadlineError::Eof) => return Ok(None),
                    Err(error) => return Err(format!("cannot read the terminal: {error}")),
                }
            },
            Lines::Piped(stdin) => {
                let mut line = String::new();
                match stdin.read_line(&mut line) {
                    Ok(0) => Ok(None),
                    Ok(_) => {
                        let line = line.trim_end_matches(['\n', '\r']).to_owned();
                        let mut out = std::io::stdout().lock();
                        let _ = writeln!(out, "{prompt}{line}");
                        let _ = out.flush();
                        Ok(Some(line))
                    }
                    Err(error) => Err(format!("cannot read stdin: {error}")),
                }
            }
        }
    }

    /// Whether this is an interactive terminal.
    pub(super) fn is_terminal(&self) -> bool {
        matches!(self, Lines::Terminal(_))
    }
}
