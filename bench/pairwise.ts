// Pairwise metric losses at training batch sizes (issue 15's table): lossc's compiled versions
// (default options) against an expert's hand-written Gram/matMul tfjs versions
// (baselines/metric.ts) — the stdlib's info_nce, nt_xent_simple and batch_hard_triplet, and
// losses a user writes (pairwise/user.loss: contrastive over all pairs, SupCon, a center loss
// with a [1000, 128] table) — forward+backward, D = 128, on wasm and cpu.
//
// Each implementation runs in its own process per (loss, N, backend) (pairwise/worker.ts), so
// an expert that runs out of the wasm heap loses only its own numbers: the table says
// "aborts: <what its process said>". The processes' timed calls alternate round by round
// (pairwise/driver.ts); the median of the rounds, the peak memory of one call (tf.profile), and
// whether each build's value and gradients agree with the expert's (pairwise/agreement.ts).
// lossc's modules are compiled fresh into build/pairwise-bench/ at every run, from this
// checkout's source (src/) so a compiler change shows without a build, or with `--compiler dist`
// from the last `npm run build`.
//
//   npx tsx bench/pairwise.ts             the full table (bench/README.md says how long it takes)
//   npx tsx bench/pairwise.ts --quick     a smoke run
//   npx tsx bench/pairwise.ts --help      the options
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { compileFresh } from './compile-fresh.js';
import { disagreement } from './pairwise/agreement.js';
import { CASES, D, MODULE_SOURCES } from './pairwise/cases.js';
import { runGroup } from './pairwise/driver.js';
import { parseOptions, USAGE, UsageError, type PairwiseOptions } from './pairwise/options.js';
import type { WorkerSpec } from './pairwise/protocol.js';
import { formatRow, header, type Row } from './pairwise/table.js';

const BUILD = 'build/pairwise-bench';

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

interface Machine {
  readonly cpu: string | undefined;
  readonly cores: number;
  readonly memoryGB: number;
  readonly node: string;
  readonly commit: string;
  /** Files changed and not committed under src/, stdlib/ and bench/: the numbers are of those too. */
  readonly uncommittedChanges: number;
  readonly loadAverageAtStart: readonly number[];
}

function machine(): Machine {
  const dirty = git(['status', '--porcelain', '--', 'src', 'stdlib', 'bench']);
  return {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    commit: git(['rev-parse', '--short', 'HEAD']),
    uncommittedChanges: dirty ? dirty.split('\n').length : 0,
    loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
  };
}

async function main(o: PairwiseOptions): Promise<void> {
  if (o.modules.length === 0) {
    const needed = [...new Set(o.losses.map((l) => CASES[l]!.module))];
    try {
      await compileFresh(needed.map((m) => [MODULE_SOURCES[m], m] as const), BUILD, o.compiler);
    } catch (e) {
      console.error(`bench/pairwise.ts: ${(e as Error).message}`);
      process.exit(1);
    }
  }
  const builds = o.modules.length === 0 ? ([['lossc', BUILD]] as const) : o.modules;
  const names = builds.map(([b]) => b);
  const groups = o.backends.flatMap((backend) => o.losses.flatMap((loss) => o.sizes[backend].map((n) => ({ loss, n, backend }))));
  const info = { ...machine(), compiler: o.modules.length === 0 ? o.compiler : 'prebuilt modules' };
  console.log(`Pairwise losses, D = ${D}, forward+backward (tf.valueAndGrads, gradients summed on the device, one number read), median of ${o.rounds} rounds alternating between one process per implementation; peak MB from tf.profile. ${info.cpu}, ${info.cores} cores, Node ${info.node}, ${info.commit}${info.uncommittedChanges ? ` with ${info.uncommittedChanges} uncommitted files in src/, stdlib/, bench/` : ''}, load average ${info.loadAverageAtStart.join(' ')} at the start.\n`);
  console.log(header(names));
  const rows: Row[] = [];
  const started = Date.now();
  const save = (): void => {
    mkdirSync(dirname(o.out), { recursive: true });
    const doc = { date: new Date(started).toISOString(), machine: { ...info, loadAverageAtEnd: loadavg().map((x) => Number(x.toFixed(2))) }, D, rounds: o.rounds, builds: Object.fromEntries(builds), seconds: (Date.now() - started) / 1000, rows };
    writeFileSync(o.out, JSON.stringify(doc, null, 2) + '\n');
  };
  for (const [k, g] of groups.entries()) {
    const t0 = Date.now();
    const tag = `[${k + 1}/${groups.length}] ${g.loss} N=${g.n} ${g.backend}`;
    const specs: WorkerSpec[] = [...builds.map(([impl, dir]) => ({ ...g, impl, dir: resolve(dir) })), { ...g, impl: 'expert' }];
    const results = await runGroup(specs, { rounds: o.rounds, timeoutMs: o.timeoutMs, progress: (line) => process.stderr.write(`${tag} ${line}\n`) });
    const expert = results.find((r) => r.impl === 'expert');
    const wrt = CASES[g.loss]!.wrt;
    const disagreements = Object.fromEntries(names.map((b) => {
      const r = results.find((x) => x.impl === b);
      return [b, r?.check ? disagreement(r.check, expert?.check, wrt) : ''];
    }));
    const row: Row = { ...g, results, disagreements, seconds: (Date.now() - t0) / 1000 };
    rows.push(row);
    console.log(formatRow(row, names));
    save(); // after every row: an interrupted run keeps what it measured
  }
  const minutes = (Date.now() - started) / 60000;
  console.log(`\n${rows.length} rows in ${minutes.toFixed(1)} min; written to ${o.out}`);
  if (rows.some((r) => Object.values(r.disagreements).some(Boolean))) {
    console.log('Some builds DIFFER from the expert (see the values column): their times are not of the same computation.');
    process.exitCode = 1;
  }
}

try {
  const o = parseOptions(process.argv.slice(2), Object.keys(CASES));
  if (o.help) console.log(USAGE.replace('LOSSES', Object.keys(CASES).join(', ')));
  else await main(o);
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`bench/pairwise.ts: ${e.message}\n\n${USAGE.replace('LOSSES', Object.keys(CASES).join(', '))}`);
  process.exitCode = 2;
}
