"""Training with a lossc loss under DistributedDataParallel: the same .loss as in the
playground and the TensorFlow.js modules, compiled for PyTorch.

    npx lossc compile --target pytorch stdlib --out build/torch
    python3 examples/ddp/train.py --losses build/torch

Two processes on 127.0.0.1 (the gloo backend: CPUs, no GPU needed) each train a small
classifier on their half of every global batch with cross_entropy (label smoothing 0.1) and
an nn.Module loss with learnable parameters (uncertainty_weighting, which weighs the two
heads' losses); DDP averages the gradients. With --check, the same steps run again in one
process on the whole global batch, and the parameters of both runs are compared: with
'mean' losses over equal halves, the average of the halves' gradients is the whole batch's,
so they must agree to float32 rounding.
"""

import argparse
import json
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel


class Model(torch.nn.Module):
    """Two heads on a shared layer, and the loss weighting the heads' losses (its parameters train too)."""

    def __init__(self, losses):
        super().__init__()
        torch.manual_seed(0)
        self.shared = torch.nn.Linear(8, 16)
        self.classes = torch.nn.Linear(16, 3)
        self.value = torch.nn.Linear(16, 1)
        self.weighting = losses["multitask"].UncertaintyWeightingLoss(T=2)
        self.cross_entropy = losses["classification"].CrossEntropyLoss(label_smoothing=0.1)
        self.huber = losses["regression"].HuberLoss(delta=0.5)

    def forward(self, x, labels, targets):
        h = torch.tanh(self.shared(x))
        task_losses = torch.stack([self.cross_entropy(self.classes(h), labels), self.huber(self.value(h).squeeze(-1), targets)])
        return self.weighting(task_losses)


def load_losses(directory):
    sys.path.insert(0, directory)
    import classification
    import multitask
    import regression

    return {"classification": classification, "multitask": multitask, "regression": regression}


def data(steps, batch):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(steps, batch, 8, generator=g)
    labels = torch.randint(0, 3, (steps, batch), generator=g)
    targets = torch.randn(steps, batch, generator=g)
    return x, labels, targets


def train(model, steps, batch, rank=0, world=1):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, labels, targets = data(steps, batch)
    part = slice(rank * batch // world, (rank + 1) * batch // world)
    curve = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = model(x[step, part], labels[step, part], targets[step, part])
        loss.backward()
        optimizer.step()
        curve.append(loss.item())
    return curve


def worker(rank, world, port, directory, steps, batch, out):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        model = Model(load_losses(directory))
        ddp = DistributedDataParallel(model)
        curve = train(ddp, steps, batch, rank, world)
        if rank == 0:
            torch.save({"state": model.state_dict(), "curve": curve}, out)
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--losses", required=True, help="the folder lossc compile --target pytorch wrote")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=16, help="the global batch; each of the 2 processes takes half")
    parser.add_argument("--check", action="store_true", help="also train in one process and compare the parameters")
    parser.add_argument("--out", default="ddp-state.pt")
    args = parser.parse_args()
    directory = os.path.abspath(args.losses)
    mp.spawn(worker, args=(2, free_port(), directory, args.steps, args.batch, args.out), nprocs=2, join=True)
    result = torch.load(args.out)
    report = {"first": result["curve"][0], "last": result["curve"][-1]}
    if args.check:
        torch.set_num_threads(1)
        single = Model(load_losses(directory))
        train(single, args.steps, args.batch)
        diffs = {k: (v - result["state"][k]).abs().max().item() for k, v in single.state_dict().items()}
        report["max_parameter_difference"] = max(diffs.values())
        report["parameters"] = sorted(diffs)
        report["log_vars"] = single.weighting.log_vars.tolist()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
