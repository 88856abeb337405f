// The pairwise bench's command line.

export type Backend = 'wasm' | 'cpu';

export interface PairwiseOptions {
  readonly losses: readonly string[];
  /** Batch sizes per backend. */
  readonly sizes: Readonly<Record<Backend, readonly number[]>>;
  readonly backends: readonly Backend[];
  readonly rounds: number;
  /** Builds of lossc's modules to time: [name, directory]; empty means compile this checkout's fresh. */
  readonly modules: readonly (readonly [string, string])[];
  /** Which compiler makes lossc's modules: this checkout's src/ (through tsx) or dist/ (bin/lossc.js). */
  readonly compiler: 'src' | 'dist';
  readonly out: string;
  readonly timeoutMs: number;
  readonly quick: boolean;
  readonly help: boolean;
}

/**
 * The full run (the table): every pairwise loss at N = 256, 1024, 4096 on wasm; on cpu
 * (pure JavaScript, 5-10× slower) at 256: its 1024 row would take longer than the rest of the run
 * (bench/README.md), so it is asked for with --backends cpu --sizes 1024.
 */
export const FULL_SIZES: Readonly<Record<Backend, readonly number[]>> = { wasm: [256, 1024, 4096], cpu: [256] };
/** A smoke run: every loss, both backends, a small batch, a few rounds; its own output file. */
export const QUICK = { sizes: [64], rounds: 3, out: 'bench/results/pairwise-quick.json' } as const;

export const USAGE = `npx tsx bench/pairwise.ts [options]

Times the pairwise losses compiled by lossc (default options) against an expert's hand-written
Gram/matMul tfjs versions, forward+backward, each implementation in its own process per
(loss, N, backend); prints a markdown table and writes a JSON file.

  --losses a,b        losses to run (default: all of them: LOSSES)
  --sizes 256,1024    batch sizes N, on every backend (default: wasm 256,1024,4096; cpu 256)
  --backends wasm,cpu backends (default: wasm,cpu)
  --rounds 5          timed rounds, the median reported (default 5)
  --timeout 900       seconds to wait for one timed call before the process is killed (the
                      setup, with its two untimed calls, gets three times this)
  --modules a=dir,... time these builds of lossc's modules (directories holding metric.ts and
                      user.ts, e.g. an older checkout's) instead of compiling this checkout's
  --compiler src      compile with this checkout's src/ (default), or dist: with bin/lossc.js as
                      the last npm run build left it
  --out file.json     where the JSON goes (default bench/results/pairwise.json)
  --quick             a smoke run: N = 64 on both backends, 3 rounds, to ${QUICK.out}
  --help`;

export class UsageError extends Error {}

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function positiveInts(flag: string, v: string): number[] {
  const xs = list(v).map(Number);
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 2)) throw new UsageError(`${flag} wants integers of at least 2, comma-separated: got '${v}'`);
  return xs;
}

/** The options from argv (without node and the script); throws UsageError with a message to print. */
export function parseOptions(argv: readonly string[], knownLosses: readonly string[]): PairwiseOptions {
  const given = new Map<string, string>();
  const flags = new Set(['--quick', '--help']);
  const valued = new Set(['--losses', '--sizes', '--backends', '--rounds', '--timeout', '--modules', '--out', '--compiler']);
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (flags.has(name)) {
      given.set(name, '');
    } else if (valued.has(name)) {
      const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++k];
      if (value === undefined) throw new UsageError(`${name} wants a value`);
      given.set(name, value);
    } else {
      throw new UsageError(`unknown argument '${arg}'`);
    }
  }
  const quick = given.has('--quick');
  const losses = given.has('--losses') ? list(given.get('--losses')!) : [...knownLosses];
  const unknown = losses.filter((l) => !knownLosses.includes(l));
  if (unknown.length > 0 || losses.length === 0) throw new UsageError(`no pairwise case '${unknown.join("', '")}': the losses are ${knownLosses.join(', ')}`);
  const backends = given.has('--backends') ? list(given.get('--backends')!) : ['wasm', 'cpu'];
  const badBackend = backends.find((b) => b !== 'wasm' && b !== 'cpu');
  if (badBackend !== undefined || backends.length === 0) throw new UsageError(`--backends takes wasm and cpu: got '${given.get('--backends')}'`);
  const sizesGiven = given.has('--sizes') ? positiveInts('--sizes', given.get('--sizes')!) : quick ? [...QUICK.sizes] : undefined;
  const sizes = sizesGiven ? { wasm: sizesGiven, cpu: sizesGiven } : FULL_SIZES;
  const rounds = given.has('--rounds') ? Number(given.get('--rounds')) : quick ? QUICK.rounds : 5;
  if (!Number.isInteger(rounds) || rounds < 1) throw new UsageError(`--rounds wants a positive integer: got '${given.get('--rounds')}'`);
  const timeout = given.has('--timeout') ? Number(given.get('--timeout')) : 900;
  if (!(timeout > 0)) throw new UsageError(`--timeout wants seconds: got '${given.get('--timeout')}'`);
  const modules = given.has('--modules')
    ? list(given.get('--modules')!).map((m) => {
        const eq = m.indexOf('=');
        if (eq <= 0 || eq === m.length - 1) throw new UsageError(`--modules wants name=directory pairs: got '${m}'`);
        const name = m.slice(0, eq);
        if (name === 'expert') throw new UsageError(`--modules: 'expert' names the hand-written versions; call the build something else`);
        return [name, m.slice(eq + 1)] as const;
      })
    : [];
  const compiler = given.get('--compiler') ?? 'src';
  if (compiler !== 'src' && compiler !== 'dist') throw new UsageError(`--compiler takes src or dist: got '${compiler}'`);
  if (given.has('--compiler') && modules.length > 0) throw new UsageError('--compiler and --modules exclude each other: --modules times builds already made');
  return {
    losses,
    compiler,
    sizes,
    backends: backends as Backend[],
    rounds,
    modules,
    out: given.get('--out') ?? (quick ? QUICK.out : 'bench/results/pairwise.json'),
    timeoutMs: timeout * 1000,
    quick,
    help: given.has('--help'),
  };
}
