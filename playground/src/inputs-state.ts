// The values a loss runs on, from the Run pane's settings: random from sizes and a seed, or
// pasted JSON in the format of `lossc eval --inputs`; hyperparameters from their fields.
import { DIAGNOSTICS, type Diagnostic, type NestedArray } from '../../src/index.js';
import type { Settings } from './app.js';
import type { LossSummary } from './protocol.js';
import { generateInputs, nest, type Dense } from './values.js';

export interface ResolvedInputs {
  /** As given to `evaluate`: nested arrays or `{shape, data}`. */
  readonly raw: Record<string, unknown>;
  /** The same as flat arrays, when every value could be read. */
  readonly dense?: Record<string, Dense>;
  readonly hypers: Record<string, number | string>;
  readonly problems: Diagnostic[];
}

function problem(kind: 'BadInputsFile' | 'InputShape' | 'OptionOutsideDomain', args: Record<string, string>): Diagnostic {
  const def = DIAGNOSTICS[kind];
  return { code: def.code, kind, severity: 'error', message: def.message.replace(/\{(\w+)\}/g, (_, k: string) => args[k] ?? '') };
}

function toDense(v: unknown): Dense | undefined {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const { shape, data } = v as { shape?: number[]; data?: number[] };
    return Array.isArray(shape) && Array.isArray(data) ? { shape, data: data.map(Number) } : undefined;
  }
  const shape: number[] = [];
  for (let x: unknown = v; Array.isArray(x); x = x[0]) shape.push(x.length);
  const data = (Array.isArray(v) ? (v as unknown[]).flat(Infinity) : [v]).map(Number);
  // Ragged lists are left to `evaluate`, which says what is wrong with them.
  return data.length === shape.reduce((a, b) => a * b, 1) ? { shape, data } : undefined;
}

/**
 * A list input's value (`preds: list[K] of [N, C]`): an array of elements, each a nested array
 * or `{shape, data}`, stacked into [K, N, C]; undefined when an element cannot be read or the
 * shapes differ (`evaluate` then says which element).
 */
function listToDense(v: unknown): Dense | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const elements = v.map(toDense);
  const first = elements[0];
  if (!first || elements.some((e) => !e || e.shape.length !== first.shape.length || e.shape.some((n, d) => n !== first.shape[d]))) return undefined;
  return { shape: [elements.length, ...first.shape], data: elements.flatMap((e) => e!.data) };
}

/** A stacked list value [K, ...] as its K elements, each as nested arrays (as `lossc eval` reads a list). */
export function listElements(v: Dense): NestedArray[] {
  const [k = 0, ...inner] = v.shape;
  const size = inner.reduce((a, b) => a * b, 1);
  return Array.from({ length: k }, (_, i) => nest({ shape: inner, data: v.data.slice(i * size, (i + 1) * size) }));
}

export function resolveInputs(loss: LossSummary, s: Settings): ResolvedInputs {
  const problems: Diagnostic[] = [];
  const hypers: Record<string, number | string> = {};
  for (const hp of loss.hypers) {
    const text = (s.hypers[hp.name] ?? '').trim();
    if (text === '') continue;
    if (hp.values) {
      // One of its strings, quoted or not (the evaluator takes the string).
      const word = /^(['"])(.*)\1$/.exec(text)?.[2] ?? text;
      if (hp.values.includes(word)) hypers[hp.name] = word;
      // As `lossc eval --set` says it (E7015).
      else problems.push(problem('OptionOutsideDomain', { value: JSON.stringify(word), name: hp.name, loss: loss.name, domain: hp.values.map((v) => `'${v}'`).join(' | ') }));
      continue;
    }
    const n = text === 'true' ? 1 : text === 'false' ? 0 : text === 'inf' ? Infinity : Number(text);
    if (Number.isNaN(n)) problems.push(problem('InputShape', { name: hp.name, loss: loss.name, problem: `expected a number, got '${text}'` }));
    else hypers[hp.name] = n;
  }
  if (s.mode === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s.json || '{}');
    } catch (e) {
      problems.push(problem('BadInputsFile', { problem: `the inputs are not valid JSON: ${(e as Error).message}` }));
      return { raw: {}, hypers, problems };
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(problem('BadInputsFile', { problem: 'the inputs must be a JSON object from input name to value' }));
      return { raw: {}, hypers, problems };
    }
    const raw = parsed as Record<string, unknown>;
    const dense: Record<string, Dense> = {};
    let ok = true;
    for (const input of loss.inputs) {
      if (raw[input.name] === undefined) continue;
      const d = input.list ? listToDense(raw[input.name]) : toDense(raw[input.name]);
      if (d) dense[input.name] = d;
      else ok = false;
    }
    return { raw, ...(ok ? { dense } : {}), hypers, problems };
  }
  const generated = generateInputs(loss, s.sizes, s.seed);
  if (typeof generated === 'string') {
    problems.push(problem('InputShape', { name: 'sizes', loss: loss.name, problem: generated }));
    return { raw: {}, hypers, problems };
  }
  const raw: Record<string, unknown> = {};
  // A list input as its elements, the way a user writes one in JSON.
  for (const [name, v] of Object.entries(generated)) raw[name] = loss.inputs.find((i) => i.name === name)?.list ? listElements(v) : nest(v);
  return { raw, dense: generated, hypers, problems };
}

/** The JSON `lossc eval --inputs` reads, for the current inputs and hyperparameters. */
export function inputsJson(r: ResolvedInputs): string {
  const lines = Object.entries({ ...r.raw, ...r.hypers }).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n${lines.join(',\n')}\n}`;
}
