"""Checks that run.py's GradNorm and MGDA weight functions give the app's weights on the same Gramians and losses.

Needs the built @multitask/weighting (npx -y pnpm@12.21.0 turbo run build --filter @multitask/weighting) and numpy;
runs in a second:

    python apps/example/bench/reference/check_weights.py

Exit 0 and one line per strategy when every weight agrees to 1e-9; exit 1 with the first difference otherwise.
"""
import json
import os
import subprocess
import sys

import numpy as np

from run import GradNorm, min_norm_weights

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHTING = os.path.join(HERE, "..", "..", "..", "..", "packages", "weighting", "dist", "index.js")

# A sequence of 2-task steps: conflicting, aligned, one task dominating, a zero-curvature case.
GRAMIANS = [[[4, 1], [1, 1]], [[2, -1], [-1, 3]], [[1, 0.5], [0.5, 0.3]], [[0.2, 0.1], [0.1, 5]], [[1, 1], [1, 1]],
            [[0.5, -0.4], [-0.4, 0.5]]]
LOSSES = [[2.3, 2.2], [1.5, 2.0], [1.0, 1.9], [0.7, 1.5], [0.6, 1.2], [0.5, 1.3]]

SCRIPT = """
const { gradNormWeighting, mgdaWeightsFromGramian } = await import(process.argv[1]);
const [gs, ls] = JSON.parse(process.argv[2]);
const g = gradNormWeighting();
const out = { gradnorm: [], mgda: [] };
gs.forEach((G, i) => {
  out.gradnorm.push(g.weights(G, { tasks: ['left', 'right'], losses: ls[i], step: i }));
  out.mgda.push(mgdaWeightsFromGramian(G));
});
console.log(JSON.stringify(out));
"""


def main():
    if not os.path.exists(WEIGHTING):
        sys.exit(f"{os.path.normpath(WEIGHTING)} is missing — build @multitask/weighting first")
    proc = subprocess.run(["node", "--input-type=module", "-e", SCRIPT, os.path.abspath(WEIGHTING),
                           json.dumps([GRAMIANS, LOSSES])], capture_output=True, text=True, check=True)
    app = json.loads(proc.stdout)
    g = GradNorm(["left", "right"])
    ours = {"gradnorm": [g.weights(np.array(G, float), l) for G, l in zip(GRAMIANS, LOSSES)],
            "mgda": [[float(v) for v in min_norm_weights(np.array(G, float))] for G in GRAMIANS]}
    ok = True
    for name in ("gradnorm", "mgda"):
        worst = max(abs(a - b) for ra, rb in zip(app[name], ours[name]) for a, b in zip(ra, rb))
        print(f"{name}: {len(GRAMIANS)} steps, largest weight difference app vs reference {worst:.2e}")
        if not worst <= 1e-9:
            ok = False
            print(f"  app:       {app[name]}\n  reference: {ours[name]}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
