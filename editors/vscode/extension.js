// The VS Code client: starts `procc lsp` for `.proc` files. Everything else (diagnostics,
// hover, navigation, rename, completion, symbols, formatting, quick fixes) is the server's.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("procc").get("path") || "procc";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "procc",
    "procc language server",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "proc" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
