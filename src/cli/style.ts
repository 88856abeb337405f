// Colour on a terminal, through Node's util.styleText, decided per stream the way Node decides
// (its `shouldColorize`): FORCE_COLOR forces it (FORCE_COLOR=0 turns it off), otherwise the
// stream must be a TTY whose colour depth NO_COLOR, NODE_DISABLE_COLORS or TERM=dumb do not
// bring down to 2 colours. Styling only wraps pieces of a line in escape codes: with them
// removed, every line is exactly what is printed without colour, so a diagnostic piped
// elsewhere stays `file:line:col: error CODE: message`.

import { WriteStream } from 'node:tty';
import * as util from 'node:util';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export type Style = 'bold' | 'dim' | 'red' | 'yellow' | 'green' | 'cyan';

/** Wraps `text` in the given styles, or returns it as it is. */
export type Paint = (styles: Style | readonly Style[], text: string) => string;

export const plain: Paint = (_styles, text) => text;

/** Whether text written to `stream` should be coloured, by Node's own rule. */
export function colorsFor(stream: { readonly isTTY?: boolean; getColorDepth?(env?: object): number }, env: NodeJS.ProcessEnv = process.env): boolean {
  // Node 20 before 20.12 has no styleText: no colour there.
  if (typeof util.styleText !== 'function') return false;
  // getColorDepth reads the environment alone (FORCE_COLOR, NO_COLOR, TERM, ...), no stream.
  if (env.FORCE_COLOR !== undefined) return WriteStream.prototype.getColorDepth.call(undefined, env) > 2;
  return stream.isTTY === true && (typeof stream.getColorDepth === 'function' ? stream.getColorDepth(env) > 2 : true);
}

/** A painter that styles (`on`) or leaves text alone. */
export function painter(on: boolean): Paint {
  if (!on) return plain;
  // One style at a time: styleText checks the stream itself unless told not to, and the
  // decision is already made here.
  return (styles, text) =>
    (typeof styles === 'string' ? [styles] : styles).reduceRight((t, s) => util.styleText(s, t, { validateStream: false }), text);
}

/**
 * `file:line:col: error CODE: message` (and its notes), as formatDiagnostic prints it, with the
 * place in bold, the severity and code in red (error) or yellow (warning), notes dimmed.
 */
export function paintDiagnostic(d: Diagnostic, paint: Paint, fallbackFile = 'lossc'): string {
  const where = d.span ? `${d.span.file}:${d.span.start.line}:${d.span.start.col}` : fallbackFile;
  const colour: Style = d.severity === 'error' ? 'red' : 'yellow';
  const head = `${paint('bold', `${where}:`)} ${paint([colour, 'bold'], d.severity)} ${paint(colour, d.code)}: ${d.message}`;
  return d.notes ? [head, ...d.notes.map((n) => `  ${paint('dim', 'note:')} ${n}`)].join('\n') : head;
}

/** `2 errors, 1 warning`, the counts that are not zero coloured. */
export function paintCounts(errors: number, warnings: number, paint: Paint): string {
  const e = `${errors} error${errors === 1 ? '' : 's'}`;
  const w = `${warnings} warning${warnings === 1 ? '' : 's'}`;
  return `${errors > 0 ? paint(['red', 'bold'], e) : e}, ${warnings > 0 ? paint(['yellow', 'bold'], w) : w}`;
}
