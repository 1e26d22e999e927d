#!/usr/bin/env bash
# Runs `procc lsp` under a real editor: headless Neovim (0.7 or later; Debian's package
# `neovim`) opens a `.proc` file with a misspelt name, attaches `procc lsp` to it, waits
# for the server's diagnostics, and prints them as LINE:CODE:MESSAGE. Exits 0 when the
# expected error (E0103 on line 6) arrived, 1 otherwise, 2 when nvim or procc is missing.
#
# Usage: scripts/nvim_lsp_check.sh [PATH_TO_PROCC]   (default: target/debug/procc)
set -euo pipefail
cd "$(dirname "$0")/.."
procc="${1:-target/debug/procc}"
command -v nvim >/dev/null || { echo "nvim not found (apt-get install -y neovim)" >&2; exit 2; }
[ -x "$procc" ] || { echo "procc not found at $procc (cargo build)" >&2; exit 2; }
procc="$(cd "$(dirname "$procc")" && pwd)/$(basename "$procc")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/a.proc" <<'PROC'
/// The customer's email address.
var email: text { ask "What's your email?" }

procedure greet: follow_up {
  label "Greet"
  question "Hello {emial}?"
  needs email
  trigger always
}
PROC

cat > "$work/check.lua" <<'LUA'
local result = os.getenv("RESULT")
local bufnr = vim.api.nvim_get_current_buf()
local client = vim.lsp.start_client({
  name = "procc",
  cmd = { os.getenv("PROCC"), "lsp" },
  root_dir = os.getenv("ROOT"),
})
vim.lsp.buf_attach_client(bufnr, client)
local arrived = vim.wait(60000, function()
  return #vim.diagnostic.get(bufnr) > 0
end, 50)
local out = io.open(result, "w")
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ""
  out:write(string.format("%d:%s:%s\n", d.lnum + 1, code, (d.message:gsub("\n", " "))))
end
out:close()
vim.lsp.stop_client(client)
vim.wait(5000, function() return vim.lsp.client_is_stopped(client) end, 50)
if arrived then vim.cmd("qall!") else vim.cmd("cquit!") end
LUA

export PROCC="$procc" ROOT="$work" RESULT="$work/result.txt"
status=0
timeout 120 nvim --headless --clean -n "$work/a.proc" -c "luafile $work/check.lua" </dev/null >/dev/null 2>&1 || status=$?
touch "$RESULT"
cat "$RESULT"
if [ "$status" -eq 0 ] && grep -q '^6:E0103:.*emial' "$RESULT"; then
  echo "ok: Neovim received procc lsp's diagnostics"
  exit 0
fi
echo "failed: nvim exited with $status, diagnostics above" >&2
exit 1
