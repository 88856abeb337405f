// stdlib/multitask.loss: T task losses (3 tasks, as the tutorial, then larger T to see how the
// per-task work scales) and per-sample curriculum weights over N samples.
import * as base from '../baselines/multitask.js';
import { uncertaintyWeightingLoop } from '../baselines/loops.js';
import { normal, uniform } from './random.js';
import { SIZES } from './sizes.js';
import { call, get, type BenchCase } from './types.js';

const TASKS = [3, ...SIZES];
const EPOCH = 30;
const TOTAL_EPOCHS = 100;

export const MULTITASK: readonly BenchCase[] = [
  {
    loss: 'uncertainty_weighting',
    file: 'multitask',
    sizes: TASKS,
    unit: 'tasks T',
    dims: (size) => ({ T: size }),
    elements: (d) => d.T!,
    inputs: (d, rng) => ({ task_losses: uniform(rng, [d.T!], 0.5, 3), log_vars: normal(rng, [d.T!], 0.5) }),
    wrt: ['task_losses', 'log_vars'],
    compiled: (m, x, o) => call(m, 'uncertainty_weighting', get(x, 'task_losses'), { ...o, log_vars: get(x, 'log_vars') }),
    baseline: (x) => base.uncertaintyWeighting(get(x, 'task_losses'), get(x, 'log_vars')),
    loop: (x) => uncertaintyWeightingLoop(get(x, 'task_losses'), get(x, 'log_vars')),
    // One op per task: at T = 1e4 a call takes seconds, and there is nothing more to learn.
    loopMaxSize: { forward: 1e3, backward: 1e3 },
  },
  {
    loss: 'gradnorm',
    file: 'multitask',
    sizes: TASKS,
    unit: 'tasks T',
    dims: (size) => ({ T: size }),
    elements: (d) => d.T!,
    inputs: (d, rng) => ({
      task_losses: uniform(rng, [d.T!], 0.5, 2),
      initial_losses: uniform(rng, [d.T!], 1, 3),
      grad_norms: uniform(rng, [d.T!], 0.1, 2),
      task_weights: uniform(rng, [d.T!], 0.5, 1.5),
    }),
    wrt: ['task_weights'],
    compiled: (m, x, o) => call(m, 'gradnorm', get(x, 'task_losses'), get(x, 'initial_losses'), get(x, 'grad_norms'), { ...o, task_weights: get(x, 'task_weights') }),
    baseline: (x) => base.gradnorm(get(x, 'task_losses'), get(x, 'initial_losses'), get(x, 'grad_norms'), get(x, 'task_weights')),
  },
  {
    loss: 'curriculum',
    file: 'multitask',
    sizes: SIZES,
    unit: 'samples N',
    dims: (size) => ({ N: size }),
    elements: (d) => d.N!,
    inputs: (d, rng) => ({ losses: uniform(rng, [d.N!], 0, 3), difficulty: uniform(rng, [d.N!]) }),
    wrt: ['losses'],
    compiled: (m, x, o) => call(m, 'curriculum', get(x, 'losses'), get(x, 'difficulty'), { ...o, epoch: EPOCH, total_epochs: TOTAL_EPOCHS }),
    baseline: (x) => base.curriculum(get(x, 'losses'), get(x, 'difficulty'), EPOCH, TOTAL_EPOCHS),
  },
];
