// `lossc lsp [--stdio]`: the language server (src/lsp), loaded only for this command so the
// other commands do not pay for the LSP library.

import { parseCommand } from './usage.js';
import { EXIT } from './io.js';

export async function lspCommand(args: readonly string[]): Promise<number> {
  parseCommand('lsp', args);
  const { startServer } = await import('../lsp/server.js');
  await startServer();
  return EXIT.ok;
}
