"""PyTorch reference for `pnpm bench`: the bench's Multi-LeNet and two-head MLP training steps (Adam 1e-3, summed
cross-entropies), on a fixed random batch, with a given number of threads.

    python step.py --model lenet|mlp --batch 64 --threads 1 --steps 20

Prints one JSON line: {"wall_ms": median wall ms per step, "cpu_ms": mean process CPU ms per step}. Needs torch
(optional for the bench: the rows are skipped when it is not importable).
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiLeNet(nn.Module):
    """36×36×1 → conv5×5(10) → pool → relu → conv5×5(20) → dropout(0.5) → pool → relu → fc50 → 2 × fc10."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 10, 5)
        self.c2 = nn.Conv2d(10, 20, 5)
        self.f = nn.Linear(720, 50)
        self.h1 = nn.Linear(50, 10)
        self.h2 = nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.c1(x), 2))
        x = F.relu(F.max_pool2d(F.dropout(self.c2(x), 0.5, True), 2))
        z = F.relu(self.f(x.flatten(1)))
        return self.h1(z), self.h2(z)


class TwoHeadMlp(nn.Module):
    """784 → 256 → 256 (relu) → 2 × fc10."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(784, 256)
        self.l2 = nn.Linear(256, 256)
        self.h1 = nn.Linear(256, 10)
        self.h2 = nn.Linear(256, 10)

    def forward(self, x):
        z = F.relu(self.l2(F.relu(self.l1(x))))
        return self.h1(z), self.h2(z)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["lenet", "mlp"], required=True)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=20)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = MultiLeNet() if a.model == "lenet" else TwoHeadMlp()
    x = torch.rand(a.batch, 1, 36, 36) if a.model == "lenet" else torch.rand(a.batch, 784)
    y1 = torch.randint(0, 10, (a.batch,))
    y2 = torch.randint(0, 10, (a.batch,))
    opt = torch.optim.Adam(model.parameters(), 1e-3)

    def step():
        opt.zero_grad()
        o1, o2 = model(x)
        loss = F.cross_entropy(o1, y1) + F.cross_entropy(o2, y2)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    walls = []
    c0 = time.process_time()
    for _ in range(a.steps):
        t = time.perf_counter()
        step()
        walls.append(time.perf_counter() - t)
    cpu = (time.process_time() - c0) / a.steps
    print(json.dumps({"wall_ms": statistics.median(walls) * 1000, "cpu_ms": cpu * 1000}))


if __name__ == "__main__":
    main()
