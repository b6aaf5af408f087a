"""Reference directions from TorchJD (optional cross-check; never needed by install or tests).

Writes the random Jacobians and TorchJD's aggregated directions to a JSON file that
`cross-check.bench.ts` compares with @multitask/weighting. Skips with a message when torch or torchjd is absent.

    python3 -m venv /work/venv-ref
    /work/venv-ref/bin/pip install torch torchjd numpy qpsolvers quadprog cvxpy clarabel ecos scipy
    /work/venv-ref/bin/python bench/reference/torchjd_reference.py --out /tmp/torchjd-reference.json
"""

import argparse
import json
import math
import sys
import warnings

try:
    import numpy as np
    import torch
    import torchjd
    import torchjd.aggregation as A
except ImportError as e:  # pragma: no cover - the optional part
    print(f"reference cross-check skipped: {e.name} is not installed (see the docstring for the venv).")
    sys.exit(0)

warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float64)


def problems(count, seed):
    """T = 2–6, n = 3–60: random, conflicting, near-parallel, zero-row and duplicated-row Jacobians."""
    rng = np.random.default_rng(seed)
    kinds = ["random", "conflicting", "near-parallel", "zero-row", "duplicate"]
    out = []
    for k in range(count):
        kind = kinds[k % len(kinds)]
        t = int(rng.integers(2, 7))
        n = int(rng.integers(3, 61))
        j = rng.standard_normal((t, n)) * (10.0 ** rng.uniform(-1, 1, size=(t, 1)))
        if kind == "conflicting":
            j[1:] -= 1.5 * np.outer(j[1:] @ j[0] / (j[0] @ j[0]), j[0])
        elif kind == "near-parallel":
            j = np.outer(rng.uniform(0.5, 2, size=t), j[0]) + 1e-3 * j
        elif kind == "zero-row":
            j[int(rng.integers(0, t))] = 0.0
        elif kind == "duplicate":
            j[int(rng.integers(1, t))] = j[0] * rng.uniform(0.5, 2)
        out.append({"kind": kind, "J": j.tolist()})
    return out


def aggregators(t):
    """TorchJD's aggregators with the hyper-parameters matched to ours (see the README table)."""
    # the dual-cone projector's defaults add a ridge of 1e-4 to the trace-normalised Gramian; ours adds one only
    # when the problem is singular: matched with a ridge of 1e-12 (quadprog needs a positive definite matrix)
    from torchjd._linalg._dual_cone import QuadprogProjector

    projector = QuadprogProjector(norm_eps=0.0, reg_eps=1e-12)
    return {
        "upgrad": A.UPGrad(projector=projector),
        "dualproj": A.DualProj(projector=projector),
        "mgda": A.MGDA(epsilon=1e-10, max_iters=1000),  # approximate Frank–Wolfe; more iterations cost seconds each
        "cagrad": A.CAGrad(c=0.4, norm_eps=0.0),
        "imtl-g": A.IMTLG(),
        "aligned-mtl": A.AlignedMTL(scale_mode="min"),
        "nash-mtl": A.NashMTL(n_tasks=t, max_norm=1.0),
        "fairgrad": A.FairGrad(alpha=1.0),
        "pcgrad": A.PCGrad(),
        "gradvac": A.GradVac(beta=0.5),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    probs = problems(args.count, args.seed)
    results = {}
    for p in probs:
        j = torch.tensor(p["J"])
        for name, agg in aggregators(j.shape[0]).items():
            if name in ("pcgrad", "gradvac") and j.shape[0] > 2:
                d = None  # random task order for T > 2: compared at T = 2 only
            else:
                try:
                    d = agg(j).tolist()
                    if not all(math.isfinite(x) for x in d):
                        d = None
                except Exception:  # a reference failure is reported as a missing value
                    d = None
            results.setdefault(name, []).append(d)
    from importlib.metadata import version as installed

    version = installed("torchjd")
    with open(args.out, "w") as f:
        json.dump({"torchjd": version, "torch": torch.__version__, "problems": probs, "results": results}, f)
    print(f"wrote {len(probs)} problems × {len(results)} strategies (torchjd {version}) to {args.out}")


if __name__ == "__main__":
    main()
