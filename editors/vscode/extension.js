// The VS Code side of lossc: starts `lossc lsp` and hands .loss files to it; colours come from
// the TextMate grammar (syntaxes/, generated from the compiler's token table) and the server's
// semantic tokens. Everything else (diagnostics, hover, inlay hints, completion, rename, quick
// fixes, formatting) is the server's. One command of its own: compile the current file.
'use strict';
const { execFile } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

/** The lossc command: the setting, the workspace's own install, or the PATH's. */
function losscCommand() {
  const configured = vscode.workspace.getConfiguration('lossc').get('path');
  if (configured) return configured;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const local = path.join(folder.uri.fsPath, 'node_modules', '.bin', process.platform === 'win32' ? 'lossc.cmd' : 'lossc');
    if (existsSync(local)) return local;
  }
  return 'lossc';
}

async function startClient(context) {
  const command = losscCommand();
  const server = { command, args: ['lsp', '--stdio'], transport: TransportKind.stdio, options: { shell: process.platform === 'win32' } };
  client = new LanguageClient('lossc', 'lossc', { run: server, debug: server }, {
    documentSelector: [{ language: 'loss' }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.loss') },
  });
  try {
    await client.start();
  } catch (err) {
    void vscode.window.showErrorMessage(`lossc: could not start '${command} lsp' (${err instanceof Error ? err.message : String(err)}). Install lossc (npm install lossc) or set lossc.path.`);
  }
  context.subscriptions.push(client);
}

/** Compiles the active .loss file with `lossc compile` and opens the TypeScript module. */
async function compileFile() {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'loss') return;
  if (editor.document.isDirty) await editor.document.save();
  const file = editor.document.uri.fsPath;
  execFile(losscCommand(), ['compile', file], { cwd: path.dirname(file), maxBuffer: 64 * 1024 * 1024, shell: process.platform === 'win32' }, async (err, stdout, stderr) => {
    if (err && !stdout) {
      void vscode.window.showErrorMessage(`lossc compile ${path.basename(file)} failed: ${(stderr || err.message).split('\n')[0]}`);
      return;
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'typescript', content: stdout });
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.Beside);
    if (stderr.trim()) void vscode.window.showWarningMessage(stderr.trim().split('\n')[0]);
  });
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('lossc.compileFile', compileFile),
    vscode.commands.registerCommand('lossc.restartServer', async () => {
      if (client) await client.stop();
      await startClient(context);
    }),
  );
  await startClient(context);
}

async function deactivate() {
  if (client) await client.stop();
}

module.exports = { activate, deactivate };
