//! Building one chunk: appending instructions, patching forward jumps, and the source map.

use crate::codegen::isa::{Chunk, ChunkId, Instr};

/// A chunk under construction.
pub(super) struct Emitter {
    code: Vec<Instr>,
    lines: Vec<(u32, u32)>,
    file: u32,
}

/// A jump whose target is not known yet.
pub(super) struct Hole(usize);

impl Emitter {
    /// An empty chunk of the given file.
    pub(super) fn new(file: u32) -> Self {
        Emitter {
            code: Vec::new(),
            lines: Vec::new(),
            file,
        }
    }

    /// Appends an instruction.
    pub(super) fn push(&mut self, instr: Instr) {
        self.code.push(instr);
    }

    /// The index the next instruction will have.
    pub(super) fn here(&self) -> u32 {
        self.code.len() as u32
    }

    /// Appends a jump to be patched by [`Emitter::land`]; `make` builds it from a target.
    pub(super) fn jump(&mut self, make: fn(u32) -> Instr) -> Hole {
        self.code.push(make(0));
        Hole(self.code.len() - 1)
    }

    /// Appends an `if` test of the condition chunk `cond`, to be patched by
    /// [`Emitter::land`] to where the run goes when it does not hold.
    pub(super) fn jump_unless(&mut self, cond: ChunkId) -> Hole {
        self.code.push(Instr::JumpUnless { cond, target: 0 });
        Hole(self.code.len() - 1)
    }

    /// Points a pending jump at the next instruction.
    pub(super) fn land(&mut self, hole: Hole) {
        let target = self.here();
        if let Some(slot) = self.code.get_mut(hole.0) {
            *slot = match *slot {
                Instr::Jump(_) => Instr::Jump(target),
                Instr::JumpIfFalse(_) => Instr::JumpIfFalse(target),
                Instr::JumpIfFalseKeep(_) => Instr::JumpIfFalseKeep(target),
                Instr::JumpIfTrueKeep(_) => Instr::JumpIfTrueKeep(target),
                Instr::JumpIfPresent(_) => Instr::JumpIfPresent(target),
                Instr::JumpIfFailed(_) => Instr::JumpIfFailed(target),
                Instr::JumpUnless { cond, .. } => Instr::JumpUnless { cond, target },
                other => other,
            };
        }
    }

    /// Records that the next instructions come from this source line.
    pub(super) fn line(&mut self, line: u32) {
        let at = self.here();
        match self.lines.last_mut() {
            Some((last_at, last_line)) if *last_at == at => *last_line = line,
            Some((_, last_line)) if *last_line == line => {}
            _ => self.lines.push((at, line)),
        }
    }

    /// The finished chunk.
    pub(super) fn finish(self) -> Chunk {
        // A source-map entry past the last instruction maps nothing.
        let len = self.code.len() as u32;
        let lines = self.lines.into_iter().filter(|(at, _)| *at < len).collect();
        Chunk {
            code: self.code,
            lines,
            file: self.file,
        }
    }
}
