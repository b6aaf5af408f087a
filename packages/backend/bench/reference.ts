/**
 * Reference measurements outside Node, run through child_process when available: numpy (OpenBLAS) sgemm GFLOP/s
 * and the same Multi-LeNet step in PyTorch. Each returns null when python3 / numpy / torch is absent, and the bench
 * skips the row. Nothing in the package or its tests needs Python.
 */
import { spawnSync } from 'node:child_process';

function python(code: string, env: Record<string, string> = {}): string | null {
  const r = spawnSync('python3', ['-c', code], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 600_000,
  });
  if (r.status !== 0 || typeof r.stdout !== 'string') return null;
  const last = r.stdout.trim().split('\n').pop();
  return last ?? null;
}

/** numpy float32 1024² matmul GFLOP/s (best of 10), with `threads` OpenBLAS threads; null when numpy is absent. */
export function numpyMatmulGflops(n: number, threads: number): number | null {
  const t = String(threads);
  const out = python(
    `
import time, numpy as np
n=${n}; a=np.random.rand(n,n).astype(np.float32); b=np.random.rand(n,n).astype(np.float32)
a@b
best=1e9
for _ in range(10):
    t=time.perf_counter(); a@b; best=min(best,time.perf_counter()-t)
print(2*n**3/best/1e9)
`,
    { OPENBLAS_NUM_THREADS: t, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t },
  );
  return out === null ? null : Number(out);
}

/**
 * The bench's Multi-LeNet step (36×36×1, conv5×5(10) → pool → relu → conv5×5(20) → dropout → pool → relu →
 * fc50 → 2×fc10, CE₁+CE₂, Adam 1e-3, B=64) in PyTorch on `threads` threads: median step in ms, or null when torch
 * is not importable.
 */
export function torchMultiLeNetStepMs(threads: number, steps: number): number | null {
  const out = python(`
import time, statistics, torch
import torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(${threads}); torch.manual_seed(1)
class Net(nn.Module):
    def __init__(s):
        super().__init__(); s.c1=nn.Conv2d(1,10,5); s.c2=nn.Conv2d(10,20,5); s.f=nn.Linear(720,50); s.h1=nn.Linear(50,10); s.h2=nn.Linear(50,10)
    def forward(s,x):
        x=F.relu(F.max_pool2d(s.c1(x),2)); x=F.relu(F.max_pool2d(F.dropout(s.c2(x),0.5,True),2)); z=F.relu(s.f(x.flatten(1)))
        return s.h1(z), s.h2(z)
m=Net(); opt=torch.optim.Adam(m.parameters(),1e-3)
x=torch.rand(64,1,36,36); y1=torch.randint(0,10,(64,)); y2=torch.randint(0,10,(64,))
def step():
    opt.zero_grad(); a,b=m(x); l=F.cross_entropy(a,y1)+F.cross_entropy(b,y2); l.backward(); opt.step()
for _ in range(5): step()
ts=[]
for _ in range(${steps}):
    t=time.perf_counter(); step(); ts.append(time.perf_counter()-t)
print(statistics.median(ts)*1000)
`);
  return out === null ? null : Number(out);
}
