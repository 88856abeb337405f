// `lossc lsp [--stdio]`: the language server (src/lsp), loaded only for this command so the
// other commands do not pay for the LSP library.

import { UsageError } from './files.js';
import { parseCommand } from './usage.js';
import { EXIT } from './io.js';

export async function lspCommand(args: readonly string[]): Promise<number> {
  const { positionals } = parseCommand('lsp', args);
  if (positionals.length > 0) throw new UsageError(`lsp takes no files (the editor sends them): '${positionals[0]}'`);
  const { startServer } = await import('../lsp/server.js');
  await startServer();
  return EXIT.ok;
}
