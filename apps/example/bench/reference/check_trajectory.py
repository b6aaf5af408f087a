"""Compares N Adam steps of the app with the same N steps in PyTorch, from the same weights on the same batches.

check-trajectory.mjs trains the app's Multi-LeNet + heads (dropout off, no shuffling) through core's Trainer and
writes the initial and final weights; this script replays the steps in run.py's PyTorch model from the same initial
weights and prints, per variable, the largest |PyTorch − app| as a fraction of how far the app's weights moved. With
a second dump (another backend) it also prints the app-vs-app differences: the float32 noise floor the first column
should be compared with (Adam amplifies rounding differences in weights whose gradients are near zero).

    node apps/example/bench/reference/check-trajectory.mjs /work/series/data tensorflow 40 /tmp/traj-tf.json
    node apps/example/bench/reference/check-trajectory.mjs /work/series/data wasm 40 /tmp/traj-wasm.json
    /work/venv-repro/bin/python apps/example/bench/reference/check_trajectory.py /work/series/data /tmp/traj-tf.json /tmp/traj-wasm.json
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as ref  # noqa: E402
from check_gradients import load_weights, torch_weights  # noqa: E402

NAMES = ["conv1.k", "conv1.b", "conv2.k", "conv2.b", "fc.k", "fc.b", "left.k", "left.b", "right.k", "right.b"]


def arrays(dump, which):
    return {k: np.array(dump[which][i], dtype=np.float32).reshape(dump["shapes"][i]) for i, k in enumerate(NAMES)}


def main(data_dir, dump_file, other_file=None):
    torch.set_num_threads(1)
    d = json.load(open(dump_file, encoding="utf-8"))
    initial, final = arrays(d, "initial"), arrays(d, "final")
    steps = d["steps"]
    _, splits = ref.load_export(data_dir, limit_train=256 * steps, limit_test=1)
    train = splits["train"]

    def replay(dtype):
        model = ref.Model((1, 36, 36), ["left", "right"], {"left": 10, "right": 10},
                          {"filters": (10, 20), "kernel": 5, "units": 50, "dropout": 0.0})
        load_weights(model, initial)
        model = model.to(dtype)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        model.train()
        for s in range(steps):
            rows = slice(256 * s, 256 * (s + 1))
            opt.zero_grad()
            z = model.backbone(train["inputs"][rows].to(dtype))
            loss = sum(ref.task_loss(model.heads[h](z), train["targets"][h][rows], train["masks"][h][rows])
                       for h in ("left", "right"))
            loss.backward()
            opt.step()
        return {k: v.astype(np.float64) for k, v in torch_weights(model).items()}

    exact = replay(torch.float64)
    ours = replay(torch.float32)
    other = arrays(json.load(open(other_file, encoding="utf-8")), "final") if other_file else None
    print(f"{steps} steps · app on {d['backend']} · |Δ| as a fraction of the app's largest move per variable")
    for k in NAMES:
        moved = np.abs(final[k] - initial[k]).max()
        line = (f"  {k:8} PyTorch vs app {np.abs(ours[k] - final[k]).max() / moved:.2e}"
                f" · PyTorch float32 vs float64 {np.abs(ours[k] - exact[k]).max() / moved:.2e}"
                f" · app vs PyTorch float64 {np.abs(final[k] - exact[k]).max() / moved:.2e}")
        if other is not None:
            line += f" · app vs app on the other backend {np.abs(other[k] - final[k]).max() / moved:.2e}"
        print(line)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(*sys.argv[1:])
