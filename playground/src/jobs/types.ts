// The jobs behind the plots, written against one small evaluator so they run the same in the
// run worker (real tfjs) and in a unit test.
import type { Diagnostic } from '../../../src/index.js';
import type { LossRef } from '../protocol.js';
import type { Dense } from '../values.js';

export interface EvalRequest {
  readonly ref: LossRef;
  readonly inputs: Readonly<Record<string, Dense>>;
  readonly hypers: Readonly<Record<string, number | string>>;
  readonly grad: boolean;
}

export interface EvalReply {
  /** The loss summed to one number (it is one number for almost every loss). */
  readonly value?: number;
  /** Flattened gradients of that number by input name. */
  readonly grads?: Readonly<Record<string, number[]>>;
  readonly diagnostics: readonly Diagnostic[];
}

export type Evaluator = (req: EvalRequest) => Promise<EvalReply>;

/** Lets the worker read its mailbox (a cancel) and report progress between evaluations. */
export interface JobControl {
  readonly cancelled: () => boolean;
  readonly progress: (partial: unknown) => void;
  readonly yieldNow: () => Promise<void>;
}

/** One curve of a sweep or a training run: a loss with its own hyperparameters. */
export interface SeriesSpec {
  readonly label: string;
  readonly ref: LossRef;
  readonly hypers: Readonly<Record<string, number | string>>;
  /** Values of every input; the swept / trained one is overwritten. */
  readonly inputs: Readonly<Record<string, Dense>>;
}

export class JobError extends Error {
  constructor(message: string, readonly diagnostics: readonly Diagnostic[] = []) {
    super(message);
  }
}

/** Fails the job with the first error diagnostic, code and message as the CLI prints it. */
export function failOn(reply: EvalReply, label: string): void {
  const error = reply.diagnostics.find((d) => d.severity === 'error');
  if (error) throw new JobError(`${label}: ${error.code}: ${error.message}`, reply.diagnostics);
}

export function filled(shape: readonly number[], value: number): Dense {
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape: [...shape], data: new Array<number>(size).fill(value) };
}
