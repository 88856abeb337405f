// Where the CLI writes, and its exit codes.

import { colorsFor } from './style.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Output streams, replaceable so tests can run the CLI in-process too. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether each stream takes colour; absent: neither does. */
  readonly colors?: { readonly out: boolean; readonly err: boolean };
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  get colors() {
    return { out: colorsFor(process.stdout), err: colorsFor(process.stderr) };
  },
};
