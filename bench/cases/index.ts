// Every stdlib loss the bench runs, in stdlib order.
import { CLASSIFICATION } from './classification.js';
import { DETECTION } from './detection.js';
import { GENERATIVE } from './generative.js';
import { METRIC } from './metric.js';
import { MULTITASK } from './multitask.js';
import { REGRESSION } from './regression.js';
import { SEGMENTATION } from './segmentation.js';
import type { BenchCase } from './types.js';

export const CASES: readonly BenchCase[] = [...REGRESSION, ...CLASSIFICATION, ...METRIC, ...SEGMENTATION, ...DETECTION, ...GENERATIVE, ...MULTITASK];

export function caseOf(loss: string): BenchCase {
  const c = CASES.find((k) => k.loss === loss);
  if (!c) throw new Error(`no bench case for loss '${loss}'`);
  return c;
}

export type { BenchCase } from './types.js';
