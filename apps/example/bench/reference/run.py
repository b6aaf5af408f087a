"""Same-recipe PyTorch reference for the MultiMNIST comparison of the multitask app (see README.md here).

Trains on the arrays `multitask export-data` wrote, with the app's model, initialisation scheme, optimizer, batch
size and strategy formulas, its own data order, and writes the test accuracies as JSON shaped like the app's
`train --json` result.

    python run.py --data DIR --strategy NAME --seed S --epochs E --out FILE

NAME: static (equal weights), uncertainty, gradnorm, mgda, or single-<task> (that task alone, e.g. single-left).
"""
import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

FORMAT = "multitask-export/1"


# ---------------------------------------------------------------------------------------------------- data


def load_export(directory, limit_train=None, limit_test=None):
    """The export's manifest and, per split, inputs (NCHW float32), targets and masks by task, as tensors."""
    with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    if manifest.get("format") != FORMAT:
        sys.exit(f"{directory}/manifest.json is not a {FORMAT} export (format {manifest.get('format')!r})")
    splits = {}
    for name, spec in manifest["splits"].items():
        if "inputs" not in spec:
            sys.exit(f"split {name}: named inputs are not supported by this reference")
        limit = limit_train if name == "train" else limit_test
        rows = spec["rows"] if limit is None else min(limit, spec["rows"])

        def arr(a):
            x = np.load(os.path.join(directory, a["file"]), mmap_mode="r")
            if list(x.shape) != a["shape"]:
                sys.exit(f"{a['file']}: shape {x.shape} differs from the manifest's {a['shape']}")
            return torch.from_numpy(np.array(x[:rows]))  # a writable copy

        x = arr(spec["inputs"])
        if x.dim() == 4:  # NHWC (the app's layout) -> NCHW
            x = x.permute(0, 3, 1, 2).contiguous()
        splits[name] = {
            "rows": rows,
            "inputs": x,
            "targets": {t: arr(a) for t, a in spec["targets"].items()},
            "masks": {t: arr(a) for t, a in spec["masks"].items()},
        }
    return manifest, splits


# --------------------------------------------------------------------------------------------------- model


def glorot_zero(layer):
    """The app's initialisation: Glorot-uniform kernel (fan-in/out including the kernel area), zero bias."""
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


class MultiLeNet(nn.Module):
    """conv 5x5(10) -> max-pool 2 -> relu -> conv 5x5(20) -> channel dropout -> max-pool 2 -> relu -> dense(50) -> relu,
    as in packages/backbones/src/multi-lenet-backbone.ts."""

    def __init__(self, in_shape, filters=(10, 20), kernel=5, units=50, dropout=0.5):
        super().__init__()
        c, h, w = in_shape
        self.conv1 = glorot_zero(nn.Conv2d(c, filters[0], kernel))
        self.conv2 = glorot_zero(nn.Conv2d(filters[0], filters[1], kernel))
        self.drop = nn.Dropout2d(dropout)
        after = lambda n: ((n - kernel + 1) // 2 - kernel + 1) // 2  # noqa: E731
        self.flat = filters[1] * after(h) * after(w)
        self.fc = glorot_zero(nn.Linear(self.flat, units))

    def forward(self, x):
        y = F.relu(F.max_pool2d(self.conv1(x), 2))
        y = self.drop(self.conv2(y))
        y = F.relu(F.max_pool2d(y, 2))
        return F.relu(self.fc(y.flatten(1)))


class Model(nn.Module):
    """The shared trunk and one linear classification head per task (the app's default head: no hidden layer)."""

    def __init__(self, in_shape, tasks, num_classes, backbone_options):
        super().__init__()
        self.backbone = MultiLeNet(in_shape, **backbone_options)
        units = backbone_options.get("units", 50)
        self.heads = nn.ModuleDict({t: glorot_zero(nn.Linear(units, num_classes[t])) for t in tasks})


def task_loss(logits, target, mask):
    """Softmax cross-entropy averaged over the labelled rows (mask > 0), as the app's classification loss."""
    per_row = F.cross_entropy(logits, target.long(), reduction="none")
    m = (mask > 0).to(per_row.dtype)
    return (per_row * m).sum() / m.sum().clamp_min(1.0)


# ---------------------------------------------------------------------------------------------- strategies


def min_norm_weights(G):
    """argmin_{w in simplex} w^T G w (MGDA's min-norm point): exact for two tasks, Frank-Wolfe otherwise."""
    T = G.shape[0]
    if T == 1:
        return np.array([1.0])
    if T == 2:
        denom = G[0, 0] + G[1, 1] - 2 * G[0, 1]
        if denom <= 0:
            return np.array([0.5, 0.5])
        a = float(np.clip((G[1, 1] - G[0, 1]) / denom, 0.0, 1.0))
        return np.array([a, 1.0 - a])
    w = np.full(T, 1.0 / T)
    for _ in range(10_000):
        gw = G @ w
        s = int(np.argmin(gw))
        gap = w @ gw - gw[s]
        if gap <= 1e-12 * max(1.0, np.trace(G) / T):
            break
        d = -w.copy()
        d[s] += 1.0
        curv = d @ G @ d
        gamma = 1.0 if curv <= 0 else min(1.0, max(0.0, -(d @ gw) / curv))
        w = w + gamma * d
    return w


class GradNorm:
    """GradNorm as packages/weighting/src/grad-norm-weighting.ts: weights on the Gramian's diagonal, constant target,
    one plain gradient step of `lr` per training step, floored at 1e-6 and renormalised to sum to T."""

    def __init__(self, tasks, alpha=1.5, lr=0.025):
        self.tasks, self.alpha, self.lr = tasks, alpha, lr
        self.w = {t: 1.0 for t in tasks}
        self.initial = {}

    def weights(self, G, losses):
        T = len(self.tasks)
        norms_g = [math.sqrt(max(G[i, i], 0.0)) for i in range(T)]
        for t, l in zip(self.tasks, losses):
            self.initial.setdefault(t, l)
        total = sum(self.w[t] for t in self.tasks)
        w = [self.w[t] * T / total for t in self.tasks]
        l_tilde = [l / self.initial[t] if self.initial[t] > 0 else 1.0 for t, l in zip(self.tasks, losses)]
        mean_tilde = sum(l_tilde) / T
        r = [x / mean_tilde if mean_tilde > 0 else 1.0 for x in l_tilde]
        norms = [wi * gi for wi, gi in zip(w, norms_g)]
        g_bar = sum(norms) / T
        sign = lambda v: (v > 0) - (v < 0)  # noqa: E731  (Math.sign: 0 at 0)
        nxt = [max(w[i] - self.lr * sign(norms[i] - g_bar * r[i] ** self.alpha) * norms_g[i], 1e-6)
               for i in range(T)]
        s = sum(nxt)
        self.w = {t: nxt[i] * T / s for i, t in enumerate(self.tasks)}
        return w


# ------------------------------------------------------------------------------------------------ training


def train_step(model, opt, strategy, state, x, ys, masks, tasks):
    """One optimizer step; returns the per-task losses and the weights used (or None)."""
    opt.zero_grad(set_to_none=True)
    z = model.backbone(x)
    if strategy in ("static", "uncertainty") or strategy.startswith("single-"):
        losses = [task_loss(model.heads[t](z), ys[t], masks[t]) for t in tasks]
        if strategy == "uncertainty":
            s = state["log_var"]
            total = sum(torch.exp(-s[i]) * losses[i] + s[i] for i in range(len(tasks)))
            weights = [math.exp(-float(v)) for v in s.detach()]
        else:
            total = sum(losses)
            weights = [1.0] * len(tasks)
        total.backward()
        opt.step()
        return [l.item() for l in losses], weights
    # Gramian strategies in representation mode: per-task gradients at the shared representation z.
    zd = z.detach().requires_grad_(True)
    losses = [task_loss(model.heads[t](zd), ys[t], masks[t]) for t in tasks]
    grads = [torch.autograd.grad(l, zd, retain_graph=True)[0] for l in losses]
    J = torch.stack([g.reshape(-1) for g in grads]).double()
    G = (J @ J.T).numpy()
    values = [l.item() for l in losses]
    if strategy == "mgda":
        w = [float(v) for v in min_norm_weights(G)]
    else:  # gradnorm
        w = state["gradnorm"].weights(G, values)
    head_weighted = state["head_gradients"] == "weighted"
    # Heads: gradient of sum_t h_t L_t (h_t = w_t when weighted, else 1); the trunk: sum_t w_t g_t at z.
    head_total = sum((w[i] if head_weighted else 1.0) * losses[i] for i in range(len(tasks)))
    head_total.backward()
    direction = sum(w[i] * grads[i] for i in range(len(tasks)))
    z.backward(direction)
    opt.step()
    return values, [float(v) for v in w]


@torch.no_grad()
def evaluate(model, split, tasks, batch_size=256):
    model.eval()
    correct = {t: 0.0 for t in tasks}
    labelled = {t: 0.0 for t in tasks}
    loss_sum = {t: 0.0 for t in tasks}
    n = split["rows"]
    for start in range(0, n, batch_size):
        x = split["inputs"][start:start + batch_size]
        z = model.backbone(x)
        for t in tasks:
            y = split["targets"][t][start:start + batch_size].long()
            m = (split["masks"][t][start:start + batch_size] > 0).double()
            logits = model.heads[t](z)
            loss_sum[t] += float((F.cross_entropy(logits, y, reduction="none").double() * m).sum())
            correct[t] += float(((logits.argmax(1) == y).double() * m).sum())
            labelled[t] += float(m.sum())
    model.train()
    return {t: {"accuracy": correct[t] / max(labelled[t], 1.0), "loss": loss_sum[t] / max(labelled[t], 1.0)}
            for t in tasks}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="directory written by `multitask export-data`")
    p.add_argument("--strategy", required=True, help="static | uncertainty | gradnorm | mgda | single-<task>")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epochs", type=int, help="default: the exported config's training.epochs")
    p.add_argument("--out", help="write the result JSON here (atomically); default: print it")
    p.add_argument("--batch-size", type=int, help="default: the exported config's training.batchSize")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3, the app's config)")
    p.add_argument("--adam-eps", type=float, default=1e-7, help="Adam epsilon (default 1e-7, tfjs's on float32)")
    p.add_argument("--head-gradients", choices=["weighted", "unweighted", "default"], default="default",
                   help="heads' gradients under mgda/gradnorm (default: the app's: unweighted for mgda, "
                        "weighted for gradnorm)")
    p.add_argument("--gradnorm-alpha", type=float, default=1.5)
    p.add_argument("--gradnorm-lr", type=float, default=0.025)
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--limit-train", type=int, help="use the first N training rows only (smoke tests)")
    p.add_argument("--limit-test", type=int, help="use the first N test rows only (smoke tests)")
    p.add_argument("--quiet", action="store_true", help="no per-epoch line on stderr")
    a = p.parse_args(argv)

    torch.set_num_threads(a.threads)
    started = time.time()
    manifest, splits = load_export(a.data, a.limit_train, a.limit_test)
    all_tasks = [t["name"] for t in manifest["tasks"]]
    strategy = a.strategy
    if strategy.startswith("single-"):
        task = strategy[len("single-"):]
        if task not in all_tasks:
            sys.exit(f"--strategy {strategy}: the export has no task {task!r} (it has {', '.join(all_tasks)})")
        tasks = [task]
    elif strategy in ("static", "uncertainty", "gradnorm", "mgda"):
        tasks = all_tasks
    else:
        sys.exit(f"--strategy {strategy}: known are static, uncertainty, gradnorm, mgda, single-<task>")
    for t in manifest["tasks"]:
        if t["type"] != "classification":
            sys.exit(f"task {t['name']} is {t['type']}; this reference trains classification tasks only")

    train, test = splits["train"], splits["test"]
    epochs = a.epochs or manifest["config"]["training"]["epochs"]
    batch_size = a.batch_size or manifest["config"]["training"]["batchSize"]
    specs = {t["name"]: t for t in manifest["tasks"]}
    num_classes = {t: int(specs[t].get("options", {}).get("numClasses", 0)) for t in tasks}
    for t, k in num_classes.items():
        if k < 2:
            sys.exit(f"task {t}: the manifest gives no numClasses (re-export with a current `multitask export-data`)")
    backbone = manifest["config"].get("backbone", {"type": "multi-lenet", "options": {}})
    if backbone["type"] != "multi-lenet":
        sys.exit(f"backbone {backbone['type']}: this reference builds multi-lenet only")
    bo = backbone.get("options", {})
    backbone_options = {"filters": tuple(bo.get("filters", (10, 20))), "kernel": int(bo.get("kernelSize", 5)),
                        "units": int(bo.get("units", 50)), "dropout": float(bo.get("dropout", 0.5))}
    x0 = train["inputs"]
    in_shape = tuple(x0.shape[1:])

    torch.manual_seed(a.seed)
    model = Model(in_shape, tasks, num_classes, backbone_options)
    params = list(model.parameters())
    state = {"head_gradients": a.head_gradients}
    if a.head_gradients == "default":
        state["head_gradients"] = "unweighted" if strategy == "mgda" else "weighted"
    if strategy == "uncertainty":
        state["log_var"] = torch.zeros(len(tasks), requires_grad=True)
        params.append(state["log_var"])
    if strategy == "gradnorm":
        state["gradnorm"] = GradNorm(tasks, a.gradnorm_alpha, a.gradnorm_lr)
    opt = torch.optim.Adam(params, lr=a.lr, betas=(0.9, 0.999), eps=a.adam_eps)
    order_rng = torch.Generator().manual_seed(a.seed + 7919)

    history, step, weights = [], 0, None
    n = train["rows"]
    model.train()
    for epoch in range(epochs):
        t0 = time.time()
        sums = {t: 0.0 for t in tasks}
        count = 0
        perm = torch.randperm(n, generator=order_rng)
        for start in range(0, n, batch_size):  # the last, smaller batch is kept, as in the app
            idx = perm[start:start + batch_size]
            x = train["inputs"][idx]
            ys = {t: train["targets"][t][idx] for t in tasks}
            ms = {t: train["masks"][t][idx] for t in tasks}
            losses, weights = train_step(model, opt, strategy, state, x, ys, ms, tasks)
            for t, l in zip(tasks, losses):
                sums[t] += l
            count += 1
            step += 1
        event = {"epoch": epoch, "trainLosses": {t: sums[t] / count for t in tasks}, "step": step,
                 "seconds": time.time() - t0}
        history.append(event)
        if not a.quiet:
            losses_text = " ".join(f"{t} {v:.4f}" for t, v in event["trainLosses"].items())
            print(f"[reference {strategy} seed {a.seed}] epoch {epoch + 1}/{epochs} · {step} steps · "
                  f"loss {losses_text} · {event['seconds']:.1f} s", file=sys.stderr, flush=True)

    test_metrics = evaluate(model, test, tasks)
    result = {
        "name": manifest["config"]["name"],
        "dataset": manifest["config"]["dataset"]["name"],
        "strategy": "static" if strategy.startswith("single-") else strategy,
        "tasks": tasks,
        "backend": {"name": "pytorch",
                    "reason": f"torch {torch.__version__} · {platform.machine()} · {a.threads} thread(s)"},
        "seed": a.seed,
        "epochs": epochs,
        "steps": step,
        **({"gradientMode": "representation"} if strategy in ("gradnorm", "mgda") else {}),
        "seconds": time.time() - started,
        "test": test_metrics,
        "history": history,
        **({"weights": dict(zip(tasks, weights))} if weights is not None else {}),
        "recipe": {
            "reference": "apps/example/bench/reference/run.py",
            "data": os.path.abspath(a.data),
            "trainRows": n,
            "testRows": test["rows"],
            "batchSize": batch_size,
            "backbone": {"type": "multi-lenet", "options": {**backbone_options, "filters": list(backbone_options["filters"])}},
            "optimizer": {"name": "adam", "learningRate": a.lr, "epsilon": a.adam_eps},
            **({"headGradients": state["head_gradients"]} if strategy in ("gradnorm", "mgda") else {}),
            **({"gradnorm": {"alpha": a.gradnorm_alpha, "learningRate": a.gradnorm_lr}}
               if strategy == "gradnorm" else {}),
        },
    }
    if strategy == "uncertainty":
        s = state["log_var"].detach()
        result["strategyInfo"] = {"sigmas": {t: math.exp(float(s[i]) / 2) for i, t in enumerate(tasks)}}
    text = json.dumps(result, indent=2) + "\n"
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        tmp = f"{a.out}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, a.out)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
