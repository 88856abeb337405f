// Compiler speed results, as stored in bench/results/compiler.json.

export const PHASES = ['parse', 'check', 'optimize', 'stability', 'emit', 'total'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * Milliseconds per phase for one file. check includes parsing the file and its imports (parse
 * is also timed alone); total = check + optimize + stability + emit, what `compile` does.
 */
export type PhaseTimes = Record<Phase, number>;

export interface FileTimes {
  readonly file: string;
  readonly lines: number;
  readonly losses: number;
  /** The first pass in a fresh process (modules loaded, nothing warmed up). */
  readonly cold: PhaseTimes;
  /** Median over the later passes. */
  readonly warm: PhaseTimes;
}

export interface CompilerSpeed {
  /** Loading the library (dist/src/api.js with the optimizer and stability modules). */
  readonly importLibraryMs: number;
  /** `import('ts-morph')` in a fresh process, before the first emit. */
  readonly importTsMorphMs: number;
  readonly files: readonly FileTimes[];
  readonly warmPasses: number;
}

export interface ProcessTimes {
  readonly command: string;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly ok: boolean;
}
