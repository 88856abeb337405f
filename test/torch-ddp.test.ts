// The loss on a real distributed engine: examples/ddp/train.py trains a small two-headed
// model with emitted losses (cross_entropy, huber, and uncertainty_weighting's learnable
// parameters in the model) under DistributedDataParallel, gloo, 2 processes on 127.0.0.1, and
// again in one process on the same global batches; the parameters must agree. The losses are
// compiled through the CLI as README tells a user to (node bin/lossc.js runs dist/).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, torchMissing } from './helpers/torch.js';

describe.skipIf(torchMissing() !== undefined)('DistributedDataParallel with an emitted loss (real PyTorch, gloo)', () => {
  it('2 processes on 127.0.0.1 reach the parameters of single-process training on the same global batches', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lossc-ddp-'));
    const losses = join(dir, 'losses');
    const compiled = spawnSync(process.execPath, ['bin/lossc.js', 'compile', '--target', 'pytorch', 'stdlib', '--out', losses], { encoding: 'utf8' });
    expect(compiled.status, compiled.stderr).toBe(0);
    const run = spawnSync(PYTHON, ['examples/ddp/train.py', '--losses', losses, '--steps', '12', '--check', '--out', join(dir, 'state.pt')], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').pop()!) as { first: number; last: number; max_parameter_difference: number; parameters: string[]; log_vars: number[] };
    // Every parameter compared, the loss's own learnable ones included, and trained.
    expect(report.parameters).toEqual(['classes.bias', 'classes.weight', 'shared.bias', 'shared.weight', 'value.bias', 'value.weight', 'weighting.log_vars']);
    expect(report.max_parameter_difference).toBeLessThan(1e-5);
    expect(report.log_vars.every((v) => Math.abs(v) > 1e-3)).toBe(true);
    expect(report.last).toBeLessThan(report.first);
  }, 150_000);
});
