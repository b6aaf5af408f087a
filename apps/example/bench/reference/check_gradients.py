"""Checks one training step's gradients of the app against PyTorch, from the same weights on the same rows.

check-gradients.mjs writes the app's initial MultiLeNet + heads weights and its gradients of L_left + L_right on the
first 256 rows of an export (dropout off); this script loads those weights into run.py's PyTorch model, recomputes
loss and gradients, and prints the largest difference per variable. Exit status 1 when any relative difference
exceeds 1e-4 (float32 summation order gives ~1e-6).

    node apps/example/bench/reference/check-gradients.mjs /work/series/data wasm /tmp/grads-wasm.json
    /work/venv-repro/bin/python apps/example/bench/reference/check_gradients.py /work/series/data /tmp/grads-wasm.json
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as ref  # noqa: E402


FLAT_H, FLAT_W, CHANNELS = 6, 6, 20  # tfjs flattens [h, w, c]; torch flattens [c, h, w]


def load_weights(model, w):
    """Copies the app's weights (tfjs layouts, keys conv1.k … right.b) into run.py's PyTorch model."""
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    b = model.backbone
    with torch.no_grad():
        b.conv1.weight.copy_(t(w["conv1.k"].transpose(3, 2, 0, 1)))
        b.conv1.bias.copy_(t(w["conv1.b"]))
        b.conv2.weight.copy_(t(w["conv2.k"].transpose(3, 2, 0, 1)))
        b.conv2.bias.copy_(t(w["conv2.b"]))
        fc = w["fc.k"].reshape(FLAT_H, FLAT_W, CHANNELS, -1).transpose(2, 0, 1, 3).reshape(FLAT_H * FLAT_W * CHANNELS, -1)
        b.fc.weight.copy_(t(fc.T))
        b.fc.bias.copy_(t(w["fc.b"]))
        for h in model.heads:
            model.heads[h].weight.copy_(t(w[h + ".k"].T))
            model.heads[h].bias.copy_(t(w[h + ".b"]))


def torch_weights(model, grad=False):
    """The model's weights (or, with grad, their gradients) in the app's layouts and keys."""
    get = (lambda p: p.grad.numpy()) if grad else (lambda p: p.detach().numpy())  # noqa: E731
    b = model.backbone
    out = {
        "conv1.k": get(b.conv1.weight).transpose(2, 3, 1, 0), "conv1.b": get(b.conv1.bias),
        "conv2.k": get(b.conv2.weight).transpose(2, 3, 1, 0), "conv2.b": get(b.conv2.bias),
        "fc.k": get(b.fc.weight).T.reshape(CHANNELS, FLAT_H, FLAT_W, -1).transpose(1, 2, 0, 3).reshape(
            FLAT_H * FLAT_W * CHANNELS, -1),
        "fc.b": get(b.fc.bias),
    }
    for h in model.heads:
        out[h + ".k"] = get(model.heads[h].weight).T
        out[h + ".b"] = get(model.heads[h].bias)
    return out


def main(data_dir, dump_file):
    d = json.load(open(dump_file, encoding="utf-8"))
    w = {k: np.array(v, dtype=np.float32).reshape(d["shapes"][k]) for k, v in d["weights"].items()}
    g = {k: np.array(v, dtype=np.float64).reshape(d["shapes"][k]) for k, v in d["grads"].items()}
    model = ref.Model((1, 36, 36), ["left", "right"], {"left": 10, "right": 10},
                      {"filters": (10, 20), "kernel": 5, "units": 50, "dropout": 0.5})
    load_weights(model, w)
    b = model.backbone
    _, splits = ref.load_export(data_dir, limit_train=256, limit_test=1)
    train = splits["train"]
    model.eval()
    z = b(train["inputs"])
    loss = sum(ref.task_loss(model.heads[h](z), train["targets"][h], train["masks"][h]) for h in ("left", "right"))
    loss.backward()
    ours = torch_weights(model, grad=True)
    print(f"backend {d['backend']}: loss app {d['loss']:.9f} · PyTorch {float(loss.detach()):.9f}")
    worst = 0.0
    for k in g:
        diff = np.abs(g[k] - ours[k].astype(np.float64)).max()
        rel = diff / max(np.abs(ours[k]).max(), 1e-30)
        worst = max(worst, rel)
        print(f"  {k:8} max |Δ| {diff:.2e} · relative {rel:.2e}")
    print(f"largest relative difference {worst:.2e}")
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
