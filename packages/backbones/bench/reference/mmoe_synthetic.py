"""Reference rows for bench/mmoe-synthetic.bench.ts: the same experiment in PyTorch (CPU), to check that what the
TypeScript bench finds about initialisation is not an artefact of tfjs. Not part of the product or its tests.

Same generator (Ma et al. 2018, section 3.2: d = 100, c = 0.3, m = 5, alpha_i, beta_i ~ N(0, 1) per seed, noise
variance 0.01; 8000 train / 2000 test / 2000 validation rows), same models (hard sharing: dense(126)+relu; MMoE: 8
experts dense(16)+relu, a softmax gate per task; towers dense(8)+relu -> dense(1)), same training (Adam, batch 128,
2500 steps, lr 3e-3 cosine-decayed to 3e-5, test MSE at the best of 20 validation checks), averaged over REPEATS
initialisations per data seed. numpy draws the data, so the numbers are not paired with the TypeScript bench's.

    pip install torch==2.13.0 numpy
    python3 bench/reference/mmoe_synthetic.py '{"init": "pytorch", "rhos": [0], "seeds": [1, 2, 3], "repeats": 4}'
    python3 bench/reference/mmoe_synthetic.py '{"init": "glorot-uniform", "rhos": [0], "seeds": [1, 2, 3], "repeats": 4}'
"""
import json
import math
import sys

import numpy as np
import torch

D, M = 100, 5


def make_data(rho, seed, c=0.3, sizes=(8000, 2000, 2000), noise=0.1):
    g = np.random.default_rng(seed)
    g1, g2 = g.normal(size=D), g.normal(size=D)
    u1 = g1 / np.linalg.norm(g1)
    r = g2 - (g2 @ u1) * u1
    u2 = r / np.linalg.norm(r)
    w1, w2 = c * u1, c * (rho * u1 + math.sqrt(1 - rho * rho) * u2)
    alpha, beta = g.normal(size=M), g.normal(size=M)
    splits = []
    for n in sizes:
        x = g.normal(size=(n, D))
        ys = []
        for w in (w1, w2):
            s = x @ w
            ys.append(s + np.sin(np.outer(s, alpha) + beta).sum(1) + noise * g.normal(size=n))
        splits.append((torch.tensor(x, dtype=torch.float32), torch.tensor(np.stack(ys, 1), dtype=torch.float32)))
    return splits


def tower(width):
    return torch.nn.Sequential(torch.nn.Linear(width, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))


class Hard(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.bottom = torch.nn.Linear(D, 126)
        self.towers = torch.nn.ModuleList([tower(126), tower(126)])

    def forward(self, x):
        z = torch.relu(self.bottom(x))
        return torch.cat([t(z) for t in self.towers], 1)


class MMoE(torch.nn.Module):
    def __init__(self, experts=8, units=16):
        super().__init__()
        self.e, self.u = experts, units
        self.experts = torch.nn.Linear(D, experts * units)
        self.gates = torch.nn.ModuleList([torch.nn.Linear(D, experts) for _ in range(2)])
        self.towers = torch.nn.ModuleList([tower(units), tower(units)])

    def forward(self, x):
        e = torch.relu(self.experts(x)).view(-1, self.e, self.u)
        out = []
        for gate, t in zip(self.gates, self.towers):
            g = torch.softmax(gate(x), 1)
            out.append(t((g.unsqueeze(2) * e).sum(1)))
        return torch.cat(out, 1)


def glorot(model):
    """Glorot-uniform kernels and zero biases, per expert (fan-out 16) as in the TypeScript MMoE."""
    for mod in model.modules():
        if isinstance(mod, torch.nn.Linear):
            fan_in, fan_out = mod.in_features, mod.out_features
            if isinstance(model, MMoE) and mod is model.experts:
                fan_out = model.u
            limit = math.sqrt(6 / (fan_in + fan_out))
            torch.nn.init.uniform_(mod.weight, -limit, limit)
            torch.nn.init.zeros_(mod.bias)


def train(model, data, seed, steps=2500, lr=3e-3, batch=128):
    (x, y), (xt, yt), (xv, yv) = data
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    best_val, best_test = float('inf'), float('nan')
    for s in range(steps):
        for group in opt.param_groups:
            group['lr'] = lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * s / steps)))
        i = torch.randint(0, len(x), (batch,), generator=gen)
        loss = ((model(x[i]) - y[i]) ** 2).mean(0).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (s + 1) % (steps // 20) == 0:
            with torch.no_grad():
                v = ((model(xv) - yv) ** 2).mean(0).sum().item()
                if v < best_val:
                    best_val, best_test = v, ((model(xt) - yt) ** 2).mean(0).sum().item()
    return best_test


def main():
    cfg = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    torch.set_num_threads(1)
    for rho in cfg.get('rhos', [1, 0.5, 0]):
        for seed in cfg.get('seeds', [1, 2, 3]):
            data = make_data(rho, seed)
            hard, mmoe = [], []
            for r in range(cfg.get('repeats', 4)):
                init_seed = seed * 1000 + r
                for kind, results in ((Hard, hard), (MMoE, mmoe)):
                    torch.manual_seed(init_seed)
                    model = kind()  # PyTorch's default init: U(+-1/sqrt(fan_in)) for weights and biases
                    if cfg.get('init', 'pytorch') == 'glorot-uniform':
                        glorot(model)
                    results.append(train(model, data, init_seed))
            h, m = sum(hard) / len(hard), sum(mmoe) / len(mmoe)
            print(json.dumps({'rho': rho, 'seed': seed, 'init': cfg.get('init', 'pytorch'), 'hard': round(h, 4),
                              'mmoe': round(m, 4), 'mmoe/hard': round(m / h, 3),
                              'hardRuns': [round(v, 4) for v in hard], 'mmoeRuns': [round(v, 4) for v in mmoe]}),
                  flush=True)


if __name__ == '__main__':
    main()
