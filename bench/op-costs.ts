// The optimizer's op cost model, measured: `npm run bench:ops` times every core IR op that
// computes (src/ir/ops.ts: unary, binary, select, reductions, softmax/log_softmax, gather) as
// the one lowering computes it (src/lower, what generated modules and the evaluator run; off
// the tape, as inside the derived loss's tf.customGrad), on 1e6 float32 elements ([1000, 1000];
// reductions and softmax along the last axis), once per backend, each backend in its own
// process (as bench/runtime does). A new op is measured without a line here. It writes
// src/opt/op-costs.ts (the data the optimizer imports), bench/results/op-costs.json (with the
// read-back costs subtracted) and prints a table.
//
// One timed call: tf.tidy(() => tf.sum(op(inputs))), then one number read back; the same
// measured for tf.sum of a ready-made tensor of the result's shape and dtype is subtracted, so
// what remains is the op (and freeing its result), not the transfer. Ops are timed in
// interleaved rounds (every op once per round, the order rotating), after a warm-up, and the
// median over the rounds is kept. OPCOSTS_ROUNDS sets the rounds (default 25, at least 15).
//
// OPCOSTS_OPS=relu[,op...] (with OPCOSTS_BACKENDS=wasm[,cpu], default both) measures only those
// ops and `add`, in the same interleaved rounds, and rewrites only their entries of
// src/opt/op-costs.ts: each as its measured multiple of `add` times the table's `add`, so that
// one op whose lowering changed (relu became a helper on wasm) is brought up to date without
// measuring every other op again.
import * as tf from '@tensorflow/tfjs';
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Scope } from '../src/emit/names.js';
import { codeOf, SourceInterp } from '../src/emit/source-interp.js';
import { LiveInterp } from '../src/eval/live-interp.js';
import { initBackend } from '../src/eval/setup.js';
import { IrBuilder } from '../src/ir/graph.js';
import { OPS, type OpName } from '../src/ir/ops.js';
import type { Axis, IrFunction, IrInput, NodeId } from '../src/ir/types.js';
import { lowerNodes } from '../src/lower/body.js';
import type { Interp } from '../src/lower/interp.js';
import { Layout } from '../src/lower/layout.js';
import { mulberry32, normal, uniform } from './cases/random.js';
import { machine } from './report/machine.js';
import { OP_COSTS } from '../src/opt/op-costs.js';
import { tsxExecArgv } from './runtime/pool.js';
import { median } from './stats.js';

type Backend = 'wasm' | 'cpu';
const BACKENDS: readonly Backend[] = ['wasm', 'cpu'];
const ROOT = resolve(import.meta.dirname, '..');
const ROWS = 1000;
const COLS = 1000;
const ELEMENTS = ROWS * COLS;
const WARMUP = 3;
const ROUNDS = Math.max(15, Number(process.env.OPCOSTS_ROUNDS ?? 25));
/** The ops re-measured alone (OPCOSTS_OPS), `add` with them; undefined: every op. */
const ONLY: readonly string[] | undefined = process.env.OPCOSTS_OPS ? [...new Set([...process.env.OPCOSTS_OPS.split(','), 'add'])] : undefined;

/** What an op's result is, for the read-back cost subtracted from it. */
type Out = 'full' | 'full-bool' | 'row' | 'row-bool';

interface Inputs {
  /** Normal(0, 1.5), [1000, 1000]: the operand of most ops. */
  readonly x: tf.Tensor;
  /** A second independent operand. */
  readonly y: tf.Tensor;
  /** Uniform in [0.05, 3]: log, sqrt, log1p, the base of pow, divisors. */
  readonly pos: tf.Tensor;
  /** Uniform in [-2, 2]: exponents. */
  readonly expo: tf.Tensor;
  /** Bools, about half true. */
  readonly m1: tf.Tensor;
  readonly m2: tf.Tensor;
  /** Class indices [1000] in [0, 1000), int32, for gather along the last axis. */
  readonly idx: tf.Tensor;
}

interface OpCase {
  readonly op: OpName;
  readonly out: Out;
  /** As the lowering computes it (src/lower, what generated modules and the evaluator run). */
  readonly run: (i: Inputs) => tf.Tensor;
  /** What is measured, for the table: the generated code of the op. */
  readonly how: string;
}

/** An op's operands, where `x` (and `y`) would leave its domain or dtype. */
const OPERANDS: Readonly<Partial<Record<OpName, readonly (keyof Inputs)[]>>> = {
  log: ['pos'], log1p: ['pos'], sqrt: ['pos'], div: ['x', 'pos'], pow: ['pos', 'expo'], prod: ['pos'],
  not: ['m1'], to_real: ['m1'], and: ['m1', 'm2'], or: ['m1', 'm2'], any: ['m1'], all: ['m1'],
  select: ['m1', 'x', 'y'], gather: ['x', 'idx'],
  // Values ordered by an independent key (sort(x, C) is the same op with the key x).
  sort: ['x', 'y'], unsort: ['x', 'y'],
};

/** Kinds of op the model covers: those that compute (leaves, renames and picks are free). */
const COVERED_KINDS = new Set(['unary', 'binary', 'select', 'reduce', 'axis', 'gather']);

/** A loss of one node: `op` on the inputs of OPERANDS, along the last axis where it has one. */
function oneOp(op: OpName): { fn: IrFunction; node: NodeId; operands: readonly (keyof Inputs)[] } {
  const kind = OPS[op].kind;
  const operands = OPERANDS[op] ?? (kind === 'binary' ? ['x', 'y'] : ['x']);
  const b = new IrBuilder();
  const R: Axis = { name: 'R', dim: 'R' };
  const C: Axis = { name: 'C', dim: 'C' };
  const bools = new Set<keyof Inputs>(['m1', 'm2']);
  const inputs: IrInput[] = operands.map((name) => {
    const elem = name === 'idx' ? 'index' : bools.has(name) ? 'bool' : 'real';
    const axes = name === 'idx' ? [R] : [R, C];
    const node = b.input(name, { dtype: elem === 'index' ? 'int' : elem, axes });
    return { name, elem, axes, node, ...(elem === 'index' ? { indexOf: 'C' } : {}) };
  });
  const args = inputs.map((i) => i.node);
  const attrs = kind === 'reduce' ? { axes: ['C'] } : kind === 'axis' || kind === 'gather' ? { axis: 'C' } : {};
  const node = b.op(op, args, attrs);
  const fn: IrFunction = { name: op, formula: op, file: 'op-costs', inputs, hypers: [], dims: [{ dim: 'R', size: ROWS }, { dim: 'C', size: COLS }], nodes: b.nodes, output: node };
  return { fn, node, operands };
}

const live = new LiveInterp();
const sizes = { dim: (d: string): number => (d === 'R' ? ROWS : COLS), rest: (): number[] => [] };

/** Every op the cost model covers, in src/ir/ops.ts order, as the lowering computes it off the tape. */
const CASES: readonly OpCase[] = (Object.keys(OPS) as OpName[])
  .filter((op) => COVERED_KINDS.has(OPS[op].kind))
  .map((op) => {
    const { fn, node, operands } = oneOp(op);
    const context = <V>(I: Interp<V>, inputs: Map<NodeId, V>, layout: Layout<V>) => ({ I, fn, layout, inputs, hypers: new Map(), untaped: true });
    const text = new SourceInterp(new Scope());
    const textInputs = new Map(fn.inputs.map((i) => [i.node, codeOf(i.name)] as const));
    lowerNodes(context(text, textInputs, new Layout(text, { dim: (d) => codeOf(d), rest: () => codeOf('rest') })), [node]);
    const t = fn.nodes[node]!.type;
    return {
      op,
      out: `${t.axes.length === 2 ? 'full' : 'row'}${t.dtype === 'bool' ? '-bool' : ''}` as Out,
      run: (i: Inputs) => {
        const inputs = new Map(fn.inputs.map((inp, k) => [inp.node, i[operands[k]!] as unknown] as const));
        return lowerNodes(context(live, inputs, new Layout<unknown>(live, sizes)), [node]).val(node).read() as tf.Tensor;
      },
      how: text.lines.map((l) => l.replace(/^const \w+(: [^=]+)? = /, '').replace(/;$/, '')).join('; ').replace(/\s*\n\s*/g, ' '),
    };
  });

/**
 * Forms that are not an IR op of their own but that generated code (forward or backward) is
 * made of, measured the same way for the report (bench/results/op-costs.json and the table;
 * not in the data file): scalar operands take other kernels' paths than full-size ones.
 */
interface Extra {
  readonly name: string;
  readonly out: Out;
  readonly run: (i: Inputs) => tf.Tensor;
}

/** The gather of an --autodiff build (on the tape): sum(x * (idx == range(C)), C). */
function gatherByMask(x: tf.Tensor, idx: tf.Tensor): tf.Tensor {
  const oneHot = tf.equal(tf.expandDims(idx, -1), tf.range(0, COLS, 1, 'int32'));
  return tf.sum(tf.mul(x, tf.cast(oneHot, 'float32')), -1);
}

const EXTRAS: readonly Extra[] = [
  { name: 'where(mask, x, scalar)', out: 'full', run: (i) => tf.where(i.m1, i.x, tf.scalar(0)) },
  { name: 'where(mask, scalar, scalar)', out: 'full', run: (i) => tf.where(i.m1, tf.scalar(0.5), tf.scalar(0)) },
  { name: 'greater(x, scalar)', out: 'full-bool', run: (i) => tf.greater(i.x, tf.scalar(0)) },
  { name: 'maximum(x, scalar)', out: 'full', run: (i) => tf.maximum(i.x, tf.scalar(0)) },
  { name: 'mul(x, scalar)', out: 'full', run: (i) => tf.mul(i.x, tf.scalar(2)) },
  { name: 'broadcastTo(scalar, shape)', out: 'full', run: () => tf.broadcastTo(tf.scalar(0.5), [ROWS, COLS]) },
  { name: 'mul(ones(shape), scalar)', out: 'full', run: () => tf.mul(tf.ones([ROWS, COLS]), tf.scalar(0.5)) },
  { name: 'mul(x, cast(mask))', out: 'full', run: (i) => tf.mul(i.x, tf.cast(i.m1, 'float32')) },
  { name: 'step(x) as cast(greater(x, 0))', out: 'full', run: (i) => tf.cast(tf.greater(i.x, tf.scalar(0)), 'float32') },
  { name: 'oneHot(idx, C) as float32', out: 'full', run: (i) => tf.cast(tf.oneHot(i.idx, COLS), 'float32') },
  { name: 'gather on the tape: sum(x·(idx == range(C)), C)', out: 'row', run: (i) => gatherByMask(i.x, i.idx) },
];


// ---------------------------------------------------------------------------------------------
// The worker: one backend.

interface WorkerResult {
  readonly backend: Backend;
  readonly tfjs: string;
  readonly rounds: number;
  /** Median ms per call, read-back included (the raw measurement). */
  readonly rawMs: Record<string, number>;
  /** Median ms of tf.sum + one-number read of a ready-made result, per result kind. */
  readonly readbackMs: Record<Out, number>;
  /** Median ms per op, read-back subtracted. */
  readonly ms: Partial<Record<OpName, number>>;
  /** The forms of EXTRAS, read-back subtracted. */
  readonly extrasMs: Record<string, number>;
  /** Spread: the interquartile range over the rounds, as a fraction of the median. */
  readonly spread: Partial<Record<OpName, number>>;
}

function makeInputs(): Inputs {
  const rng = mulberry32(20261129);
  const shape = [ROWS, COLS];
  const mask = (): tf.Tensor => tf.tidy(() => tf.greater(uniform(rng, shape), 0.5));
  const idx = new Int32Array(ROWS);
  for (let r = 0; r < ROWS; r++) idx[r] = Math.floor(rng() * COLS);
  return {
    x: normal(rng, shape, 1.5),
    y: normal(rng, shape, 1.5),
    pos: uniform(rng, shape, 0.05, 3),
    expo: uniform(rng, shape, -2, 2),
    m1: mask(),
    m2: mask(),
    idx: tf.tensor1d(idx, 'int32'),
  };
}

function readyMade(i: Inputs): Record<Out, tf.Tensor> {
  return {
    full: i.y,
    'full-bool': i.m2,
    row: tf.tidy(() => tf.sum(i.y, -1)),
    'row-bool': tf.tidy(() => tf.any(i.m2, -1)),
  };
}

/** One timed call: the result summed on the device, one number read back, everything freed. */
function timeCall(f: () => tf.Tensor): number {
  const t0 = performance.now();
  const total = tf.tidy(() => tf.sum(f()));
  total.dataSync();
  total.dispose();
  return performance.now() - t0;
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = (s.length - 1) * q;
  const lo = Math.floor(k);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (k - lo);
};

async function worker(backend: Backend): Promise<WorkerResult> {
  const got = await initBackend(backend);
  if (got !== backend) throw new Error(`the ${backend} backend is unavailable (got ${got})`);
  const inputs = makeInputs();
  const ready = readyMade(inputs);
  const measured = CASES.filter((c) => !ONLY || ONLY.includes(c.op));
  type Job = { key: string; f: () => tf.Tensor };
  const jobs: Job[] = [
    ...(Object.keys(ready) as Out[]).map((o) => ({ key: `readback:${o}`, f: () => ready[o] })),
    ...measured.map((c) => ({ key: c.op, f: () => c.run(inputs) })),
    ...(ONLY ? [] : EXTRAS).map((e) => ({ key: `extra:${e.name}`, f: () => e.run(inputs) })),
  ];
  const before = tf.memory().numTensors;
  for (const j of jobs) for (let k = 0; k < WARMUP; k++) timeCall(j.f);
  if (tf.memory().numTensors !== before) throw new Error(`a measured op leaks tensors (${tf.memory().numTensors - before})`);
  const samples = new Map<string, number[]>(jobs.map((j) => [j.key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < jobs.length; k++) {
      const j = jobs[(k + round * 7) % jobs.length]!;
      samples.get(j.key)!.push(timeCall(j.f));
    }
  }
  const rawMs: Record<string, number> = {};
  for (const [k, xs] of samples) rawMs[k] = median(xs);
  const readbackMs = Object.fromEntries((Object.keys(ready) as Out[]).map((o) => [o, rawMs[`readback:${o}`]!])) as Record<Out, number>;
  // Never below 1 µs: an op cheaper than the noise of the read-back is "about free".
  const net = (key: string, out: Out): number => Math.max(0.001, rawMs[key]! - readbackMs[out]);
  const ms: Partial<Record<OpName, number>> = {};
  const spread: Partial<Record<OpName, number>> = {};
  for (const c of measured) {
    ms[c.op] = net(c.op, c.out);
    const xs = samples.get(c.op)!;
    spread[c.op] = (quantile(xs, 0.75) - quantile(xs, 0.25)) / median(xs);
  }
  const extrasMs = Object.fromEntries((ONLY ? [] : EXTRAS).map((e) => [e.name, net(`extra:${e.name}`, e.out)]));
  return { backend, tfjs: tf.version.tfjs, rounds: ROUNDS, rawMs, readbackMs, ms, extrasMs, spread };
}

// ---------------------------------------------------------------------------------------------
// The parent: one worker process per backend, then the data file, the JSON and the table.

function runWorker(backend: Backend): Promise<WorkerResult> {
  return new Promise((done, fail) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: tsxExecArgv(),
      env: { ...process.env, OPCOSTS_BACKEND: backend },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: WorkerResult | undefined;
    child.on('message', (m: { result?: WorkerResult; error?: string }) => {
      if (m.error) fail(new Error(`${backend}: ${m.error}`));
      else result = m.result;
    });
    child.on('exit', (code) => (result ? done(result) : fail(new Error(`${backend} worker exited with code ${code} and no result`))));
  });
}

const sig = (x: number): number => Number(x.toPrecision(x < 0.01 ? 1 : 3));

function dataFile(date: string, machineText: string, results: readonly WorkerResult[]): string {
  const byBackend = (pick: (r: WorkerResult, op: OpName) => number): string =>
    results
      .map((r) => `    ${r.backend}: { ${CASES.map((c) => `${c.op}: ${sig(pick(r, c.op))}`).join(', ')} },`)
      .join('\n');
  return `// Generated by bench/op-costs.ts (npm run bench:ops): what each IR op costs per backend, measured.
// Do not edit by hand: rerun the script on a quiet machine.
import type { OpName } from '../ir/ops.js';

export type CostBackend = 'wasm' | 'cpu';

export interface OpCostTable {
  /** ISO date of the measurement, and the machine. */
  readonly measured: string;
  readonly machine: string;
  /** Elements of the tensors measured (the result's, or the operand's for reductions). */
  readonly elements: number;
  /** Median milliseconds per op, per backend. Ops not listed cost like \`add\`. */
  readonly ms: Readonly<Record<CostBackend, Readonly<Partial<Record<OpName, number>>>>>;
  /** The same, as a multiple of \`add\` measured in the same run (\`add\` is 1). */
  readonly ratio?: Readonly<Record<CostBackend, Readonly<Partial<Record<OpName, number>>>>>;
}

export const OP_COSTS: OpCostTable = {
  measured: '${date}',
  machine: '${machineText.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}',
  elements: ${ELEMENTS === 1e6 ? '1e6' : ELEMENTS},
  ms: {
${byBackend((r, op) => r.ms[op]!)}
  },
  ratio: {
${byBackend((r, op) => r.ms[op]! / r.ms.add!)}
  },
};
`;
}

function table(results: readonly WorkerResult[]): string {
  const get = (b: Backend): WorkerResult | undefined => results.find((r) => r.backend === b);
  const [w, c] = [get('wasm'), get('cpu')];
  const f = (x: number | undefined, d = 2): string => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(d));
  const head = ['op', 'wasm ms', 'wasm ×add', 'cpu ms', 'cpu ×add', 'measured as'];
  const widths = [12, 9, 10, 9, 9, 0];
  const line = (cells: string[]): string => cells.map((s, i) => (i === 0 ? s.padEnd(widths[i]!) : i === cells.length - 1 ? s : s.padStart(widths[i]!))).join('  ');
  const rows = CASES.map((k) => line([k.op, f(w?.ms[k.op]), f(w && w.ms[k.op]! / w.ms.add!), f(c?.ms[k.op]), f(c && c.ms[k.op]! / c.ms.add!), k.how]));
  const extras = EXTRAS.map((e) => line(['(other form)', f(w?.extrasMs[e.name]), f(w && w.extrasMs[e.name]! / w.ms.add!), f(c?.extrasMs[e.name]), f(c && c.extrasMs[e.name]! / c.ms.add!), e.name]));
  const rb = results.map((r) => `${r.backend}: ${(Object.entries(r.readbackMs) as [Out, number][]).map(([o, v]) => `${o} ${f(v, 3)}`).join(', ')}`).join('; ');
  return [
    `Median ms per op on ${ELEMENTS.toExponential(0)} float32 elements ([${ROWS}, ${COLS}]), ${results[0]?.rounds ?? '?'} interleaved rounds; ×add: as a multiple of add in the same run.`,
    line(head),
    ...rows,
    'Other forms generated code uses (not in the data file):',
    ...extras,
    `read-back subtracted (tf.sum of a ready-made result + one number read), ms: ${rb}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const only = process.env.OPCOSTS_BACKEND as Backend | undefined;
  if (only && process.send) {
    try {
      process.send({ result: await worker(only) }, () => process.exit(0));
    } catch (e) {
      process.send({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) }, () => process.exit(1));
    }
    return;
  }
  if (ONLY) {
    await remeasure(ONLY);
    return;
  }
  const missing = (Object.keys(OPS) as OpName[]).filter((op) => COVERED_KINDS.has(OPS[op].kind) && !CASES.some((c) => c.op === op));
  if (missing.length) throw new Error(`bench/op-costs.ts does not measure ${missing.join(', ')}: add a case`);
  const m = machine();
  const t0 = performance.now();
  const results: WorkerResult[] = [];
  for (const b of BACKENDS) {
    process.stderr.write(`== op costs on ${b} (${CASES.length} ops, ${ROUNDS} rounds)\n`);
    const t = performance.now();
    results.push(await runWorker(b));
    process.stderr.write(`   ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const date = new Date().toISOString();
  const machineText = `${m.cpu}, ${m.cores} cores, Node ${m.node}, tfjs ${results[0]!.tfjs}, load ${m.loadAtStart.toFixed(1)} at start`;
  writeFileSync(join(ROOT, 'src', 'opt', 'op-costs.ts'), dataFile(date.slice(0, 10), machineText, results));
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const json = JSON.stringify(
    { date, machine: m, elements: ELEMENTS, shape: [ROWS, COLS], rounds: ROUNDS, warmup: WARMUP, how: Object.fromEntries(CASES.map((c) => [c.op, c.how])), backends: results },
    (_, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v),
  );
  writeFileSync(join(ROOT, 'bench', 'results', 'op-costs.json'), `${json}\n`);
  console.log(table(results));
  console.log(`\nwrote src/opt/op-costs.ts and bench/results/op-costs.json (${((performance.now() - t0) / 1000).toFixed(0)} s; load ${m.loadAtStart.toFixed(2)} at start)`);
}

/**
 * OPCOSTS_OPS: `ops` measured on the backends of OPCOSTS_BACKENDS, each entry of the data file
 * rewritten as (its median / add's median in the same rounds) × the table's add, for `ms`, and
 * that multiple for `ratio`; every other entry kept.
 */
async function remeasure(ops: readonly string[]): Promise<void> {
  const unknown = ops.filter((op) => !CASES.some((c) => c.op === op));
  if (unknown.length) throw new Error(`OPCOSTS_OPS: not ops the cost model covers: ${unknown.join(', ')}`);
  const backends = (process.env.OPCOSTS_BACKENDS?.split(',') ?? BACKENDS) as Backend[];
  const m = machine();
  const file = join(ROOT, 'src', 'opt', 'op-costs.ts');
  let text = readFileSync(file, 'utf8');
  const changed: string[] = [];
  for (const b of backends) {
    process.stderr.write(`== ${ops.join(', ')} on ${b} (${ROUNDS} rounds)\n`);
    const r = await runWorker(b);
    // The backend's two lines: its ms, then its ratios.
    const lines = [...text.matchAll(new RegExp(`^    ${b}: \\{.*\\},$`, 'gm'))];
    if (lines.length !== 2) throw new Error(`src/opt/op-costs.ts: expected two lines for ${b}, found ${lines.length}`);
    for (const op of ops.filter((o) => o !== 'add')) {
      const ratio = r.ms[op as OpName]! / r.ms.add!;
      const ms = OP_COSTS.ms[b].add! * ratio;
      const set = (line: string, v: number): string => line.replace(new RegExp(`([{ ])${op}: [^,}]+`), `$1${op}: ${sig(v)}`);
      const [msLine, ratioLine] = lines.map((l) => l[0]) as [string, string];
      text = text.replace(msLine, set(msLine, ms)).replace(ratioLine, set(ratioLine, ratio));
      changed.push(`${op} on ${b}: ${r.ms[op as OpName]!.toFixed(3)} ms, add ${r.ms.add!.toFixed(3)} ms in the same rounds: ${ratio.toFixed(2)} × add = ${sig(ms)} ms in the table (was ${OP_COSTS.ms[b][op as OpName]})`);
      lines.splice(0, 2, ...[...text.matchAll(new RegExp(`^    ${b}: \\{.*\\},$`, 'gm'))]);
    }
  }
  // The measurement itself under the date, so the table's entry says where it came from.
  const note = `// Re-measured ${new Date().toISOString().slice(0, 10)} (OPCOSTS_OPS, as multiples of add; load ${m.loadAtStart.toFixed(1)} at start): ${ops.filter((o) => o !== 'add').join(', ')} on ${backends.join(', ')}.\n${changed.map((c) => `//   ${c}.\n`).join('')}`;
  text = text.replace(/(\/\/ Do not edit by hand[^\n]*\n)(\/\/ Re-measured [^\n]*\n(\/\/   [^\n]*\n)*)*/, `$1${note}`);
  writeFileSync(file, text);
  console.log(changed.join('\n'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
