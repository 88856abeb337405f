// `lossc fmt [--check] <file|dir>...`: rewrites .loss files in the canonical layout (src/fmt).
// A file with a syntax error is reported and left alone; a file is written only when its
// formatted text differs, through a temporary file renamed over it, so an interrupted run
// never leaves half a file. `--check` writes nothing and lists the files that would change.

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { formatSource } from '../fmt/index.js';
import { collectSources, fsReason, readText, UsageError } from './files.js';
import { EXIT, type Io } from './io.js';
import { paintDiagnostic, painter } from './style.js';
import { parseCommand } from './usage.js';

export async function fmtCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommand('fmt', args);
  if (positionals.length === 0) throw new UsageError('fmt needs at least one .loss file or directory');
  const check = values.check ?? false;
  const report = (d: Diagnostic): void => io.err(paintDiagnostic(d, painter(io.colors?.err ?? false)));
  const { files, problems } = collectSources(positionals);
  let failed = problems.length > 0;
  problems.forEach((p) => report(diagnostic('FileNotFound', undefined, { ...p })));
  const unformatted: string[] = [];
  for (const f of files) {
    const read = readText(f.path);
    if ('reason' in read) {
      report(diagnostic('FileNotFound', undefined, { path: f.path, reason: read.reason }));
      failed = true;
      continue;
    }
    const result = formatSource(read.text, f.path);
    if ('diagnostics' in result) {
      result.diagnostics.filter((d) => d.severity === 'error').forEach(report);
      failed = true;
      continue;
    }
    if (result.text === read.text) continue;
    unformatted.push(f.path);
    if (check) continue;
    const temporary = `${f.path}.lossc-fmt-${process.pid}`;
    try {
      writeFileSync(temporary, result.text);
      renameSync(temporary, f.path);
    } catch (e) {
      rmSync(temporary, { force: true });
      report(diagnostic('WriteFailed', undefined, { path: f.path, reason: fsReason(e) }));
      failed = true;
    }
  }
  if (check && unformatted.length > 0) {
    io.out(`${unformatted.join('\n')}\n${unformatted.length} file${unformatted.length === 1 ? ' is' : 's are'} not formatted; run lossc fmt to format ${unformatted.length === 1 ? 'it' : 'them'}`);
    return EXIT.failed;
  }
  if (!check && unformatted.length > 0) io.out(unformatted.map((p) => `formatted ${p}`).join('\n'));
  return failed ? EXIT.failed : EXIT.ok;
}
