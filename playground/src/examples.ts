// Examples: every stdlib loss, grouped by task the way the tutorial's decision tree (§8.1)
// groups them, each with the tree's "when to use it". A loss the tree does not name falls in
// its file's task; a stdlib file the table does not know gets a group of its own.
import { parse } from '../../src/index.js';
import { STDLIB } from './stdlib.js';

export interface Example {
  readonly name: string;
  readonly file: string;
  readonly when?: string;
  readonly doc?: string;
}

export interface ExampleGroup {
  readonly task: string;
  readonly examples: Example[];
}

const TASKS = ['Regression', 'Classification', 'Segmentation', 'Object detection', 'Metric learning', 'Generative models', 'Multi-task and training'];

const FILE_TASK: Record<string, string> = {
  regression: 'Regression', classification: 'Classification', segmentation: 'Segmentation', detection: 'Object detection',
  metric: 'Metric learning', generative: 'Generative models', advanced: 'Multi-task and training', multitask: 'Multi-task and training',
};

/** The decision tree's leaves: loss → [task, when]. */
const TREE: Record<string, readonly [string, string]> = {
  mse: ['Regression', 'clean data, no outliers'],
  mae: ['Regression', 'data with outliers'],
  huber: ['Regression', 'outliers, smooth gradients'],
  log_cosh: ['Regression', 'smooth gradients'],
  bce_with_logits: ['Classification', 'binary or multi-label'],
  cross_entropy: ['Classification', 'multi-class (mutually exclusive)'],
  focal: ['Classification', 'class imbalance'],
  binary_focal: ['Classification', 'class imbalance, binary'],
  dice: ['Segmentation', 'small objects'],
  multiclass_dice: ['Segmentation', 'class imbalance'],
  ce_dice: ['Segmentation', 'balanced data'],
  iou_loss: ['Object detection', 'bounding-box regression'],
  giou_loss: ['Object detection', 'bounding-box regression'],
  smooth_l1: ['Object detection', 'bounding-box regression'],
  contrastive: ['Metric learning', 'pair verification'],
  triplet: ['Metric learning', 'triplet comparison'],
  triplet_margin: ['Metric learning', 'triplet comparison'],
  info_nce: ['Metric learning', 'self-supervised'],
  gan_discriminator: ['Generative models', 'GAN'],
  gan_generator: ['Generative models', 'GAN'],
  wgan_discriminator: ['Generative models', 'GAN (Wasserstein)'],
  wgan_generator: ['Generative models', 'GAN (Wasserstein)'],
  vae: ['Generative models', 'VAE'],
  perceptual: ['Generative models', 'image translation'],
};

const title = (stem: string): string => stem.replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase());

export function exampleGroups(): ExampleGroup[] {
  const groups = new Map<string, Example[]>(TASKS.map((t) => [t, []]));
  for (const [file, text] of STDLIB) {
    const stem = file.replace(/\.loss$/, '');
    for (const def of parse(text, file).module.definitions) {
      if (def.defKind !== 'loss') continue;
      const [task, when] = TREE[def.name.name] ?? [FILE_TASK[stem] ?? title(stem), undefined];
      if (!groups.has(task)) groups.set(task, []);
      groups.get(task)!.push({ name: def.name.name, file, ...(when ? { when } : {}), ...(def.doc ? { doc: def.doc } : {}) });
    }
  }
  return [...groups].filter(([, list]) => list.length > 0).map(([task, examples]) => ({ task, examples }));
}

/** Sources the plots' presets use besides the stdlib. */
export const DEMOS: Readonly<Record<string, string>> = {
  'rosenbrock.loss': `/// The Rosenbrock function (the tutorial's §1.2 landscape): a curved valley with its
/// minimum at (1, 1). Open Plots → Landscape to see it as contours.
loss rosenbrock(x: [N], y: [N], a: real = 1, b: real = 100) =
  mean((a - x)^2 + b * (y - x^2)^2)
`,
  'focal_p.loss': `/// Focal loss as a function of the probability of the true class (Lin et al., 2017):
/// FL(p) = -(1 - p)^gamma * log(p). gamma = 0 is cross-entropy; larger gamma
/// down-weights easy examples (p near 1).
loss focal_p(p: [N] in (0, 1], gamma: real in [0, inf) = 2) =
  mean(-(1 - p)^gamma * log(p))
`,
};
