// bench/RESULTS.md: the machine, the headline ratios, the loops against the vectorised
// losses, every loss slower than its baseline with the cause and the fix, compiler speed, and
// the full tables.
import type { CompilerSpeed, ProcessTimes } from '../compiler/types.js';
import type { BackendInfo } from '../runtime/protocol.js';
import type { Backend, Mode, TaskResult, VariantName } from '../runtime/types.js';
import { medianRatio } from '../stats.js';
import { AUTODIFF_SIZES, CHANGED, type AutodiffReport } from './autodiff.js';
import type { Finding, Leak } from './findings.js';
import { SLOWER } from './findings.js';
import type { Machine } from './machine.js';
import { fmtMB, fmtMs, fmtRatio, fmtSize, ms, ratio, type Headline, type Row } from './rows.js';

export interface Report {
  readonly date: string;
  readonly machine: Machine;
  readonly seconds: Readonly<Record<string, number>>;
  readonly backends: readonly { backend: Backend; info?: BackendInfo; maxSize: number; backwardMaxSize?: number; results: readonly TaskResult[] }[];
  readonly rows: readonly Row[];
  readonly autodiff?: AutodiffReport;
  readonly headlines: readonly Headline[];
  readonly slow: readonly Finding[];
  readonly leaks: readonly Leak[];
  readonly compiler?: CompilerSpeed;
  readonly cli?: readonly ProcessTimes[];
  readonly settings: string;
}

const MODES: readonly Mode[] = ['forward', 'forward+backward'];
const table = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const secs = (s: number | undefined): string => (s === undefined ? '-' : s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`);
const short = (m: Mode): string => (m === 'forward' ? 'fwd' : 'fwd+bwd');

function backendLine(b: Report['backends'][number]): string {
  const i = b.info;
  if (b.backend === 'wasm') return `wasm (@tensorflow/tfjs-backend-wasm ${i?.tfjs ?? '?'}, SIMD ${i?.wasmSimd ? 'on' : 'off'}, ${i?.wasmThreads ? 'multi-threaded' : 'one thread'})`;
  return `cpu (@tensorflow/tfjs-backend-cpu ${i?.tfjs ?? '?'}, plain JavaScript)`;
}

function header(r: Report): string {
  const m = r.machine;
  const parts = Object.entries(r.seconds)
    .filter(([k]) => k !== 'total')
    .map(([k, v]) => `${k} ${secs(v)}`)
    .join(', ');
  return [
    '# lossc benchmarks',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${r.date}. Total run time **${secs(r.seconds.total)}** (${parts}). Data: \`bench/results/runtime.json\`, \`bench/results/compiler.json\`.`,
    '',
    table(['CPU', 'cores', 'memory', 'Node', 'platform', 'load average at start'], [[m.cpu, String(m.cores), `${m.memoryGB} GB`, m.node, m.platform, m.loadAtStart.toFixed(2)]]),
    '',
    `Backends: ${r.backends.map(backendLine).join('; ')}.${m.loadAtStart > m.cores * 0.5 ? ` The machine was busy with other work during the run (load ${m.loadAtStart.toFixed(1)} on ${m.cores} cores): absolute times are inflated and noisy; the ratios, from interleaved runs, hold better.` : ''}`,
  ].join('\n');
}

function method(r: Report): string {
  const sizes = r.backends.map((b) => {
    const ran = [...new Set(b.results.filter((t) => !t.skipped).map((t) => t.size))].sort((x, y) => x - y);
    const skipped = b.results.filter((t) => t.skipped);
    const why = [...new Set(skipped.map((t) => t.skipped!.replace(/[\d.]+ s from its time at .*/, 'too long at the next size').replace(/failed: .*/, 'failed')))];
    // Infinity is null in runtime.json.
    const max = b.maxSize ?? Infinity;
    const full = ran.filter((x) => x <= max);
    const backward = ran.filter((x) => x > max);
    return `${b.backend}: sizes ${full.map(fmtSize).join(', ')}${backward.length ? `; ${backward.map(fmtSize).join(', ')} forward+backward only, of compiled, autodiff, baseline and tf.losses, unprofiled` : ''}${skipped.length ? ` (${skipped.length} tasks not run: ${why.join('; ')})` : ''}`;
  });
  return [
    '## How it is measured',
    '',
    '- **compiled**: the stdlib module lossc generates (`build/stdlib/*.ts`), called with its defaults, its gradients the backward pass the compiler derives (**derived**); **nocheck**: the same with `checkValues: false` (no scan of the inputs for NaN and bad class indices); **autodiff**: the stdlib compiled with `lossc compile --autodiff` (`build/stdlib-autodiff/`), the same forward computation with its gradients left to tfjs\'s autodiff, timed forward+backward only. **baseline**: a hand-written TensorFlow.js port of the tutorial\'s PyTorch code (`bench/baselines/`), vectorised as an expert writes it (distances and similarities by `tf.matMul`, class indices by `tf.oneHot`). **tf.losses**: the same loss through `tf.losses` where it exists. **loop**: the tutorial\'s loop-based code ported loop for loop (batch-hard triplet over anchors, multi-class Dice over classes, uncertainty weighting over tasks). `test/bench-baselines.test.ts` checks that all of them give the same value and gradients.',
    '- **forward**: one call, the scalar loss read back. **forward+backward**: `tf.valueAndGrads` with respect to the inputs a training step differentiates (predictions, embeddings, learnable parameters), the gradients summed to one number on the device before the one read: no large tensor is copied back, so the time is compute (wasm and cpu ops run synchronously).',
    `- Each (loss, size, mode): every variant warmed up, then timed in interleaved rounds (${r.settings}); the median is reported and ratios are of medians from the same rounds. Leaks: \`tf.memory().numTensors\` after minus before each call. Peak: \`tf.profile\` high-water mark of tensor bytes during one call, above what was allocated before it.`,
    '- Sizes are elements of the main input (embeddings [N, 128], logits [N, 10], images [N, C, H, W], ...), or of the N×N matrix for the pairwise losses (batch_hard_triplet, info_nce, nt_xent_simple, with D = 32).',
    `- ${sizes.join('. ')}. The cpu backend is about 10-15 times slower than wasm: at its largest size it runs only what the derived-against-autodiff comparison needs, and stops where the time budget allows.`,
  ].join('\n');
}

function headlines(r: Report): string {
  const sizes = [...new Set(r.headlines.flatMap((h) => h.bySize.map((s) => s.size)))].sort((a, b) => a - b);
  const rows = r.headlines.map((h) => [
    h.backend,
    h.mode,
    `**${fmtRatio(h.compiled)}**`,
    fmtRatio(h.compiledNocheck),
    fmtRatio(h.tfLossesOverCompiled),
    `${h.slower} of ${h.n}`,
    ...sizes.map((s) => {
      const b = h.bySize.find((x) => x.size === s);
      return b && b.n > 0 ? `${fmtRatio(b.compiled)} (${fmtRatio(b.compiledNocheck)})` : '-';
    }),
  ]);
  return [
    '## Headline: compiled / hand-written baseline',
    '',
    'Median over every (loss, size) measured; 1.00 is as fast as the hand-written port, below 1 faster. In the size columns, the median at that size and, in parentheses, with `checkValues: false`.',
    '',
    table(['backend', 'mode', 'compiled / baseline', 'nocheck / baseline', 'tf.losses / compiled', `> ${Math.round((SLOWER - 1) * 100)}% slower`, ...sizes.map(fmtSize)], rows),
  ].join('\n');
}

function loops(r: Report): string {
  const withLoop = r.rows.filter((x) => ms(x, 'loop') !== undefined);
  const keys = [...new Map(withLoop.map((x) => [`${x.backend}|${x.loss}|${x.size}`, x])).values()];
  const rows = keys.map((k) => {
    const at = (mode: Mode): Row | undefined => r.rows.find((x) => x.backend === k.backend && x.loss === k.loss && x.size === k.size && x.mode === mode);
    return [k.loss, k.backend, fmtSize(k.size), ...MODES.flatMap((m) => {
      const row = at(m);
      return row ? [fmtMs(ms(row, 'loop')), fmtMs(ms(row, 'compiled')), `**${fmtRatio(ratio(row, 'loop', 'compiled'))}**`] : ['-', '-', '-'];
    })];
  });
  const med = (backend: Backend, mode: Mode): string => fmtRatio(medianRatio(withLoop.filter((x) => x.backend === backend && x.mode === mode).map((x) => ratio(x, 'loop', 'compiled') ?? NaN)));
  return [
    "## The tutorial's loops against the compiled vectorised losses",
    '',
    `loop / compiled, ms per call. Median loop / compiled: ${r.backends.map((b) => `${b.backend} ${med(b.backend, 'forward')} forward, ${med(b.backend, 'forward+backward')} forward+backward`).join('; ')}.`,
    '',
    table(['loss', 'backend', 'size', 'loop fwd', 'compiled fwd', 'loop / compiled', 'loop fwd+bwd', 'compiled fwd+bwd', 'loop / compiled'], rows),
  ].join('\n');
}

const KIND: Record<Finding['kind'], string> = {
  scan: 'the input scan (checkValues) only',
  overhead: 'the input scan; the rest at small sizes only',
  computation: 'the generated computation',
};

function slower(r: Report): string {
  const out = ['## Where the compiled module is more than 10% slower than its baseline', ''];
  if (r.slow.length === 0) return [...out, 'Nowhere.'].join('\n');
  const worst = (f: Finding, pick: (p: Finding['slow'][number]) => number | undefined): string => {
    const xs = f.slow.map((p) => [p, pick(p)] as const).filter(([, x]) => x !== undefined) as [Finding['slow'][number], number][];
    if (xs.length === 0) return '-';
    const [p, x] = xs.sort((a, b) => b[1] - a[1])[0]!;
    return `${x.toFixed(2)} (${p.backend} ${short(p.mode)} ${fmtSize(p.size)})`;
  };
  out.push(
    'Every loss with a (backend, mode, size) point where compiled / baseline > 1.1. "Why" sorts them: the default input scan alone (with `checkValues: false` every point is within 10%, or 20 µs, of the baseline); the scan, with what remains showing only below 1e5 elements (a fixed cost per call, or noise); or the generated computation (slower without the scan at 1e5 and up, in two measurements or by more than half), with the code patterns behind it, the most costly first by kernel time measured against the baseline.',
    '',
    table(
      ['loss', 'worst compiled / baseline', 'worst with checkValues: false', 'why', 'main patterns'],
      r.slow.map((f) => [f.loss, worst(f, (p) => p.ratio), worst(f, (p) => p.nocheck), KIND[f.kind], f.kind === 'computation' ? f.patterns.filter((p) => p.id !== 'nan-scan' && p.id !== 'index-scan').slice(0, 3).map((p) => p.id).join(', ') || '-' : '-']),
    ),
    '',
  );
  for (const f of r.slow.filter((x) => x.kind === 'computation')) {
    const pts = f.slow.map((p) => `${p.backend} ${short(p.mode)} ${fmtSize(p.size)}: ${p.ratio.toFixed(2)}${p.nocheck !== undefined ? ` (${p.nocheck.toFixed(2)})` : ''}`).join('; ');
    out.push(`### ${f.loss} (stdlib/${f.file}.loss)`, '', `Slower at ${pts}.`, '');
    if (f.at) out.push(`Measured at ${f.at.backend}, ${f.at.mode}, size ${fmtSize(f.at.size)}: ${f.evidence.join('; ')}.`, '');
    if (f.patterns.length) {
      out.push(`In \`build/stdlib/${f.file}.ts\`:`, '');
      for (const p of f.patterns) out.push(`- **${p.id}**${p.count > 1 ? ` (×${p.count})` : ''}: ${p.cause}${p.measured ? `. Measured: ${p.measured}` : ''}.`);
      out.push('');
    }
  }
  const rest = r.slow.filter((x) => x.kind !== 'computation');
  if (rest.length) {
    out.push('### Slower because of the input scan', '');
    for (const f of rest) out.push(`- **${f.loss}**: ${f.at ? `at ${f.at.backend} ${f.at.mode} ${fmtSize(f.at.size)}, ` : ''}${f.evidence.join('; ')}.`);
    out.push('');
  }
  return out.join('\n');
}

function derivedVsAutodiff(r: Report): string {
  const a = r.autodiff;
  const head = '## Derived gradients against tfjs autodiff';
  if (!a || a.summaries.every((x) => x.n === 0)) return `${head}\n\nNot measured in this run (no \`build/stdlib-autodiff/\`).`;
  const out = [head, ''];
  const intro =
    'Forward+backward of every stdlib loss as lossc compiles it by default (**derived**: `build/stdlib/`, the backward pass the compiler derives, in `tf.customGrad`) and with `--autodiff` (**autodiff**: `build/stdlib-autodiff/`, the same forward ops, differentiated by tfjs), timed in the same interleaved rounds as the hand-written baseline and tf.losses. **speedup** = autodiff / derived: above 1 the derived gradients are faster.';
  out.push(intro, '');
  if (a.modules && a.derivedModules) {
    if (a.derivedModules.length === 0) {
      out.push(`**In this run no generated module differs from its \`--autodiff\` twin** (${a.modules.length} modules compared): the emitter did not emit derived gradients yet, so both variants ran the same code and the speedups below are timing noise (their spread shows how far apart two identical variants land).`, '');
    } else {
      out.push(`${a.derivedModules.length} of ${a.modules.length} generated modules differ from their \`--autodiff\` twin${a.derivedModules.length < a.modules.length ? ` (not: ${a.modules.filter((m) => !a.derivedModules!.includes(m)).join(', ')})` : ''}.`, '');
    }
  }
  out.push(
    table(
      ['backend', 'size', 'losses', 'speedup (autodiff / derived)', 'derived / baseline', 'autodiff / baseline', 'tf.losses / derived', `derived > ${Math.round((CHANGED - 1) * 100)}% faster`, `derived > ${Math.round((CHANGED - 1) * 100)}% slower`],
      a.summaries.filter((x) => x.n > 0).map((x) => [x.backend, fmtSize(x.size), String(x.n), `**${fmtRatio(x.speedup)}**`, fmtRatio(x.derivedOverBaseline), fmtRatio(x.autodiffOverBaseline), fmtRatio(x.tfLossesOverDerived), String(x.faster), String(x.slower)]),
    ),
    '',
    'Medians over the losses measured at that size.',
    '',
  );
  // The largest size, both backends side by side.
  const size = Math.max(...a.summaries.filter((x) => x.n > 0).map((x) => x.size));
  const backends = r.backends.map((b) => b.backend);
  const fbRows = r.rows.filter((x) => x.mode === 'forward+backward' && x.size === size);
  const losses = [...new Set(fbRows.map((x) => x.loss))];
  const cellsOf = (row: Row | undefined): string[] => {
    if (!row) return ['-', '-', '-', '-', '-', '-'];
    const sp = ratio(row, 'autodiff', 'compiled');
    const bold = sp !== undefined && (sp > CHANGED || sp < 1 / CHANGED) ? `**${fmtRatio(sp)}**` : fmtRatio(sp);
    const v = (name: VariantName): string => (row.v[name]?.error ? (/^not timed/.test(row.v[name]!.error!) ? 'n/t' : 'err') : `${fmtMs(ms(row, name))}${row.v[name]?.single ? '¹' : ''}`);
    return [v('compiled'), v('autodiff'), v('baseline'), v('tf.losses'), bold, fmtRatio(ratio(row, 'compiled', 'baseline'))];
  };
  out.push(
    `### At ${fmtSize(size)} elements`,
    '',
    'Median ms per forward+backward call. ¹ one call (too slow to repeat).',
    '',
    table(
      ['loss', ...backends.flatMap((b) => [`${b} derived`, 'autodiff', 'baseline', 'tf.losses', 'speedup', 'derived / baseline'])],
      losses.map((loss) => [loss, ...backends.flatMap((b) => cellsOf(fbRows.find((x) => x.loss === loss && x.backend === b)))]),
    ),
    '',
    `Every size (${AUTODIFF_SIZES.map(fmtSize).join(', ')}) is in the full tables below (column autodiff).`,
    '',
  );
  const pts = (f: AutodiffReport['findings'][number]): string => f.points.map((p) => `${p.backend} ${fmtSize(p.size)} ×${p.speedup.toFixed(2)} (${fmtMs(p.derivedMs)} against ${fmtMs(p.autodiffMs)} ms)`).join('; ');
  for (const verdict of ['faster', 'slower', 'mixed'] as const) {
    const fs = a.findings.filter((f) => f.verdict === verdict);
    if (fs.length === 0) continue;
    const title = { faster: 'Faster with derived gradients', slower: 'Slower with derived gradients', mixed: 'Faster in one place, slower in another' }[verdict];
    out.push(`### ${title} (${fs.length})`, '');
    for (const f of fs) {
      const why = [...f.kernels, ...f.code, ...(f.patterns.length && f.verdict !== 'faster' ? [`in its backward pass: ${f.patterns.join(', ')}`] : [])];
      out.push(`- **${f.loss}** (stdlib/${f.file}.loss): ${pts(f)}.${why.length ? ` ${why.join('; ')}.` : ''}`);
    }
    out.push('');
  }
  if (a.identical.length) {
    out.push(
      `Same generated function in both builds (no derived backward pass: ${a.identical.map((x) => x.loss).join(', ')}), so these ratios are the noise of this run: ${a.identical.map((x) => x.points.map((p) => `${p.backend} ${fmtSize(p.size)} ×${p.speedup.toFixed(2)}`).join(', ')).join('; ')}.`,
      '',
    );
  }
  if (a.unchanged.length) out.push(`Within ${Math.round((CHANGED - 1) * 100)}% at 1e5 and up (or only once, by less than half): ${a.unchanged.join(', ')}.`, '');
  if (a.patterns.length) {
    out.push('### What makes a derived backward pass slower, and the fix', '', 'Patterns in the backward passes of the losses above that are slower somewhere (numbers: `npm run bench:ops`, bench/results/op-costs.json), most losses first:', '');
    for (const p of a.patterns) out.push(`- **${p.id}** (${p.losses.join(', ')}): ${p.cause}. Fix: ${p.fix}.`);
    out.push('');
  }
  return out.join('\n');
}

function leaks(r: Report): string {
  const head = '## Tensor leaks';
  if (r.leaks.length === 0) return `${head}\n\nNone: no variant of any loss left a tensor behind, on any backend, size or mode.`;
  return [head, '', table(['loss', 'variant', 'backend', 'mode', 'size', 'tensors per call'], r.leaks.map((l) => [l.loss, l.variant, l.backend, l.mode, fmtSize(l.size), l.perCall.toFixed(2)]))].join('\n');
}

function fixes(r: Report): string {
  const byPattern = new Map<string, { fix: string; cause: string; losses: string[] }>();
  for (const f of r.slow) for (const p of f.patterns) {
    const e = byPattern.get(p.id) ?? { fix: p.fix, cause: p.cause, losses: [] };
    e.losses.push(f.loss);
    byPattern.set(p.id, e);
  }
  const scanOnly = r.slow.filter((f) => f.kind !== 'computation').map((f) => f.loss);
  const ordered = [...byPattern].sort((a, b) => b[1].losses.length - a[1].losses.length);
  return [
    '## What would fix it',
    '',
    ...(scanOnly.length ? [`For ${scanOnly.join(', ')}, the default input scan is the difference at large sizes (what remains shows at small sizes only): the nan-scan and index-scan fixes below are all they need.`, ''] : []),
    'By cause, most losses first:',
    '',
    ...ordered.map(([id, e]) => `- **${id}** (${e.losses.join(', ')}): ${e.fix}.`),
  ].join('\n');
}

function compilerSection(r: Report): string {
  if (!r.compiler) return '## Compiler speed\n\nNot measured in this run.';
  const c = r.compiler;
  const phases = ['parse', 'check', 'optimize', 'stability', 'emit', 'total'] as const;
  const rows = c.files.map((f) => [f.file, String(f.lines), String(f.losses), ...phases.map((p) => `${fmtMs(f.warm[p])} / ${fmtMs(f.cold[p])}`)]);
  const sum = (k: 'warm' | 'cold', p: (typeof phases)[number]): number => c.files.reduce((s, f) => s + f[k][p], 0);
  rows.push(['**whole stdlib**', String(c.files.reduce((s, f) => s + f.lines, 0)), String(c.files.reduce((s, f) => s + f.losses, 0)), ...phases.map((p) => `**${fmtMs(sum('warm', p))}** / ${fmtMs(sum('cold', p))}`)]);
  return [
    '## Compiler speed',
    '',
    `The library as shipped (\`dist/\`), in a fresh process: ms per phase, warm (median of ${c.warmPasses} passes) / cold (the first pass). check includes parsing (the file and its imports); total = check + optimize + stability + emit. Loading the library took ${fmtMs(c.importLibraryMs)} ms, and \`import('ts-morph')\` ${fmtMs(c.importTsMorphMs)} ms before the first emit.`,
    '',
    table(['file', 'lines', 'losses', ...phases.map((p) => `${p} warm / cold`)], rows),
    '',
    ...(r.cli ? ['Cold start of the command, each run a new process (wall time from spawn to exit):', '', table(['command', 'runs', 'median ms', 'min', 'max', 'exit 0'], r.cli.map((p) => [`\`${p.command}\``, String(p.runs), fmtMs(p.medianMs), fmtMs(p.minMs), fmtMs(p.maxMs), p.ok ? 'yes' : '**no**'])), ''] : []),
  ].join('\n');
}

function fullTable(r: Report, backend: Backend): string {
  const mine = r.rows.filter((x) => x.backend === backend);
  const keys = [...new Map(mine.map((x) => [`${x.loss}|${x.size}`, x])).values()];
  const at = (loss: string, size: number, mode: Mode): Row | undefined => mine.find((x) => x.loss === loss && x.size === size && x.mode === mode);
  const cell = (row: Row | undefined, v: VariantName): string => {
    const x = row?.v[v];
    if (!row || !x) return '-';
    if (x.error) return /^not timed/.test(x.error) ? 'n/t' : 'err';
    return `${fmtMs(ms(row, v))}${x.single ? '¹' : ''}`;
  };
  const rows = keys.map((k) => {
    const [f, fb] = [at(k.loss, k.size, 'forward'), at(k.loss, k.size, 'forward+backward')];
    const rf = f && ratio(f, 'compiled', 'baseline');
    const rfb = fb && ratio(fb, 'compiled', 'baseline');
    const bold = (x: number | undefined): string => (x !== undefined && x > SLOWER ? `**${fmtRatio(x)}**` : fmtRatio(x));
    return [k.loss, fmtSize(k.size), String(k.elements), cell(f, 'compiled'), cell(f, 'compiled-nocheck'), cell(f, 'baseline'), cell(f, 'tf.losses'), cell(f, 'loop'), bold(rf), cell(fb, 'compiled'), cell(fb, 'compiled-nocheck'), cell(fb, 'autodiff'), cell(fb, 'baseline'), cell(fb, 'tf.losses'), cell(fb, 'loop'), bold(rfb), fmtRatio(fb && ratio(fb, 'autodiff', 'compiled')), `${fmtMB(fb?.v.compiled?.peakBytes)} / ${fmtMB(fb?.v.baseline?.peakBytes)}`];
  });
  const errors = mine.flatMap((x) => Object.entries(x.v).filter(([, v]) => v?.error && !/^not timed/.test(v.error)).map(([n, v]) => `${x.loss} ${fmtSize(x.size)} ${short(x.mode)} ${n}: ${v!.error}`));
  const skipped = r.backends.find((b) => b.backend === backend)?.results.filter((t) => t.skipped) ?? [];
  return [
    `### ${backend}`,
    '',
    'Median ms per call; ratio = compiled / baseline (bold above 1.1); autodiff: the loss compiled with `--autodiff`; speedup = autodiff / compiled (derived gradients); peak = MB of tensors during forward+backward, compiled / baseline. ¹ one call (too slow to repeat); n/t: not timed (nocheck, where one call is long enough for the input scan not to matter); err: see below.',
    '',
    table(['loss', 'size', 'elements', 'fwd compiled', 'nocheck', 'baseline', 'tf.losses', 'loop', 'ratio', 'fwd+bwd compiled', 'nocheck', 'autodiff', 'baseline', 'tf.losses', 'loop', 'ratio', 'speedup', 'peak MB'], rows),
    ...(errors.length ? ['', 'Variants that did not run or were not timed:', '', ...errors.map((e) => `- ${e}`)] : []),
    ...(skipped.length ? ['', 'Not run:', '', ...skipped.map((t) => `- ${t.loss} ${fmtSize(t.size)}: ${t.skipped}`)] : []),
  ].join('\n');
}

export function markdown(r: Report): string {
  return [header(r), method(r), headlines(r), derivedVsAutodiff(r), loops(r), slower(r), leaks(r), fixes(r), compilerSection(r), '## Full results', ...r.backends.map((b) => fullTable(r, b.backend))].join('\n\n') + '\n';
}
