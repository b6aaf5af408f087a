/**
 * `pnpm bench`: the trainer against a hand-written tfjs loop on the same model, batch and backend, in one run.
 * Two models (an MLP and a Multi-LeNet conv net, both with two softmax heads) × two strategies (static equal
 * weighting; MGDA in `representation` mode — the hand loop then does the same one-forward/one-backward trick with
 * its own taps). Both loops read the step's numbers once per step (what any training loop that logs does).
 *
 * Goal: trainer / hand-written ≤ 1.05. Beside it, an A/A ratio — the hand loop against a second copy of itself —
 * shows the noise of the measurement. Blocks of steps are interleaved (A, B, A′ in rotating order) so all three
 * see the same machine load; the figures are medians over blocks.
 *
 * `MULTITASK_BENCH_ROUNDS` (default 12) sets the number of interleaved rounds.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import { selectBackend } from '@multitask/backend';
import { describe, it } from 'vitest';
import {
  MultitaskModel,
  Rng,
  Trainer,
  type Backbone,
  type GramianWeighting,
  type Head,
  type LossWeighting,
  type Task,
  type WeightingStrategy,
} from '../src/index.ts';
import { registerGradients } from '../src/index.ts';

registerGradients(); // tfjs-core registers no gradients by itself (explicit, once per process)

const T = 2;
const CLASSES = 10;

function glorot(rng: Rng, shape: number[], fanIn: number, fanOut: number): Variable {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * limit);
  return tf.tidy(() => tf.variable(tf.tensor(values, shape)));
}
const zeros = (n: number): Variable => tf.tidy(() => tf.variable(tf.zeros([n])));

/** A model as plain variables: the trunk's and each head's `[W, b]`. */
interface Params {
  readonly trunk: Variable[];
  readonly heads: [Variable, Variable][];
}

/** A benchmark network: its input shape, parameters and trunk. */
interface Net {
  readonly name: string;
  readonly input: number[];
  readonly features: number;
  params(seed: number): Params;
  trunk(p: Params, x: Tensor): Tensor;
}

const mlp = (hidden: number): Net => ({
  name: `MLP 784-${hidden}-${hidden}`,
  input: [784],
  features: hidden,
  params(seed) {
    const rng = new Rng(seed);
    return {
      trunk: [
        glorot(rng, [784, hidden], 784, hidden),
        zeros(hidden),
        glorot(rng, [hidden, hidden], hidden, hidden),
        zeros(hidden),
      ],
      heads: Array.from(
        { length: T },
        () => [glorot(rng, [hidden, CLASSES], hidden, CLASSES), zeros(CLASSES)] as [Variable, Variable],
      ),
    };
  },
  trunk(p, x) {
    const [W1, b1, W2, b2] = p.trunk as [Variable, Variable, Variable, Variable];
    return tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), b1)), W2), b2));
  },
});

/** The Multi-LeNet trunk of Sener & Koltun: conv5(10)-pool-relu, conv5(20)-pool-relu, dense 320→50. */
const multiLeNet: Net = {
  name: 'Multi-LeNet 28×28',
  input: [28, 28, 1],
  features: 50,
  params(seed) {
    const rng = new Rng(seed);
    return {
      trunk: [
        glorot(rng, [5, 5, 1, 10], 25, 250),
        zeros(10),
        glorot(rng, [5, 5, 10, 20], 250, 500),
        zeros(20),
        glorot(rng, [320, 50], 320, 50),
        zeros(50),
      ],
      heads: Array.from(
        { length: T },
        () => [glorot(rng, [50, CLASSES], 50, CLASSES), zeros(CLASSES)] as [Variable, Variable],
      ),
    };
  },
  trunk(p, x) {
    const [K1, c1, K2, c2, W, b] = p.trunk as [Variable, Variable, Variable, Variable, Variable, Variable];
    const conv = (h: Tensor, K: Variable, c: Variable): Tensor =>
      tf.relu(
        tf.maxPool(tf.add(tf.conv2d(h as tf.Tensor4D, K as tf.Tensor4D, 1, 'valid'), c), 2, 2, 'valid'),
      );
    const h = conv(conv(x, K1, c1), K2, c2);
    return tf.relu(tf.add(tf.matMul(tf.reshape(h, [x.shape[0], -1]), W), b));
  },
};

const head = (wb: [Variable, Variable], z: Tensor): Tensor => tf.add(tf.matMul(z, wb[0]), wb[1]);
const ce = (logits: Tensor, labels: Tensor): Scalar =>
  tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]!), tf.logSoftmax(logits)), 1)));

/** Two-task MGDA in closed form (min-norm point of the segment between g₁ and g₂). */
function mgda2(G: readonly (readonly number[])[]): number[] {
  const a = G[0]![0]!;
  const b = G[1]![1]!;
  const c = G[0]![1]!;
  const den = a + b - 2 * c;
  const w = den <= 0 ? 0.5 : Math.min(1, Math.max(0, (b - c) / den));
  return [w, 1 - w];
}

const equal: LossWeighting = {
  name: 'static',
  family: 'loss',
  combine: (losses) => tf.addN<Scalar>([...losses]),
  getConfig: () => ({}),
  state: () => null,
  load: () => undefined,
  dispose: () => undefined,
};

const mgda: GramianWeighting = {
  name: 'mgda',
  family: 'gramian',
  modes: ['representation', 'parameters'],
  weights: (G) => mgda2(G),
  getConfig: () => ({}),
  state: () => null,
  load: () => undefined,
  dispose: () => undefined,
};

function asModel(net: Net, p: Params): MultitaskModel {
  const backbone: Backbone = {
    name: 'bench-trunk',
    outputSize: net.features,
    apply: (x) => net.trunk(p, x as Tensor),
    trainableVariables: p.trunk,
    getConfig: () => ({ type: 'bench-trunk', options: {} }),
    dispose: () => undefined,
  };
  const tasks: Task[] = p.heads.map((wb, t) => {
    const h: Head = {
      name: 'linear',
      outputSize: CLASSES,
      apply: (z) => head(wb, z),
      trainableVariables: wb,
      getConfig: () => ({ type: 'linear', options: {} }),
      dispose: () => undefined,
    };
    // The same loss function as the hand-written loop, so the ratio measures the trainer alone.
    return { name: `task${t}`, head: h, loss: (pred, target) => ce(pred, target) };
  });
  return new MultitaskModel({ backbone, tasks });
}

/** An identity whose backward pass is `backward(dy)`. */
function identityWithGradient(backward: (dy: Tensor) => Tensor): (x: Tensor) => Tensor {
  const op = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(args[0] as Tensor),
    gradFunc: backward,
  }));
  return (x) => op(x);
}

/** A hand-written step of a strategy on `net` with its own copy of the parameters and optimizer. */
function handLoop(
  net: Net,
  strategy: 'static' | 'mgda',
  x: Tensor,
  labels: readonly Tensor[],
): { step: () => void; dispose: () => void } {
  const p = net.params(7);
  const opt = tf.train.adam(1e-3);
  const vars = [...p.trunk, ...p.heads.flat()];
  const dispose = (): void => {
    tf.dispose(vars);
    opt.dispose();
  };
  if (strategy === 'static') {
    return {
      dispose,
      step: () => {
        let losses: Scalar[] = [];
        const cost = opt.minimize(
          () => {
            const z = net.trunk(p, x);
            losses = p.heads.map((wb, t) => tf.keep(ce(head(wb, z), labels[t]!)));
            return tf.addN<Scalar>(losses);
          },
          true,
          vars,
        )!;
        const read = tf.stack(losses);
        read.dataSync();
        tf.dispose([cost, read, ...losses]);
      },
    };
  }
  // MGDA at the representation: taps record ∂Lₜ/∂z; the mixer on z forms G, reads it with the losses once, and
  // sends Σ wₜ gₜ back through the trunk. Heads get their unweighted gradients.
  return {
    dispose,
    step: () => {
      const captured: Tensor[] = [];
      let kept: Scalar[] = [];
      const taps = p.heads.map((_, i) =>
        identityWithGradient((dy) => {
          captured[i] = tf.keep(tf.clone(dy));
          return dy;
        }),
      );
      const mixer = identityWithGradient((dy) =>
        tf.tidy(() => {
          const J = tf.stack(captured.map((g) => tf.reshape(g, [-1])));
          const G = tf.matMul(J, J, false, true);
          const v = tf.concat([tf.stack(kept), tf.reshape(G, [-1])]).dataSync();
          const w = mgda2([
            [v[T]!, v[T + 1]!],
            [v[T + 2]!, v[T + 3]!],
          ]);
          return tf.reshape(tf.matMul(tf.tensor2d(w, [1, T]), J), dy.shape);
        }),
      );
      const { value, grads } = tf.variableGrads(() => {
        const z = mixer(net.trunk(p, x));
        const losses = p.heads.map((wb, t) => ce(head(wb, taps[t]!(z)), labels[t]!));
        kept = losses.map((l) => tf.keep(l));
        return tf.addN<Scalar>(losses);
      }, vars);
      opt.applyGradients(grads as unknown as Parameters<typeof opt.applyGradients>[0]);
      tf.dispose([value, ...kept, ...captured, ...Object.values(grads)]);
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function compare(net: Net, strategy: 'static' | 'mgda', B: number, rounds: number, block: number): string {
  const rng = new Rng(3);
  const size = net.input.reduce((a, b) => a * b, 1);
  const x = tf.tensor(
    Float32Array.from({ length: B * size }, () => rng.next()),
    [B, ...net.input],
  );
  const labels = Array.from({ length: T }, () =>
    tf.tensor1d(
      Int32Array.from({ length: B }, () => rng.int(CLASSES)),
      'int32',
    ),
  );
  const hand = handLoop(net, strategy, x, labels);
  const hand2 = handLoop(net, strategy, x, labels);
  const pt = net.params(7);
  const model = asModel(net, pt);
  const opt = tf.train.adam(1e-3);
  const s: WeightingStrategy = strategy === 'static' ? equal : mgda;
  const trainer = new Trainer({
    model,
    strategy: s,
    optimizer: opt,
    seed: 1,
    ...(strategy === 'mgda' ? { gradientMode: 'representation' as const } : {}),
  });
  const batch = { inputs: x, targets: Object.fromEntries(labels.map((l, t) => [`task${t}`, l])) };
  const trainerStep = (): void => void trainer.trainStep(batch);
  const timeBlock = (f: () => void): number => {
    const t0 = performance.now();
    for (let i = 0; i < block; i++) f();
    return (performance.now() - t0) / block;
  };
  const loops = [hand.step, trainerStep, hand2.step];
  for (const f of loops) timeBlock(f); // warm-up
  const times: number[][] = [[], [], []];
  const before = tf.memory().numTensors;
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < 3; k++) {
      const i = (r + k) % 3;
      times[i]!.push(timeBlock(loops[i]!));
    }
  }
  const leaked = tf.memory().numTensors - before;
  const [h, tr, h2] = times.map(median) as [number, number, number];
  const label = strategy === 'static' ? 'static' : 'MGDA (representation)';
  const row =
    `| ${tf.getBackend()} | ${net.name} + ${T}×softmax(${CLASSES}), B=${B} | ${label} | ${h.toFixed(2)} | ` +
    `${tr.toFixed(2)} | **${(tr / h).toFixed(3)}** | ${(h2 / h).toFixed(3)} | ${leaked} |`;
  tf.dispose([x, ...labels, ...pt.trunk, ...pt.heads.flat()]);
  hand.dispose();
  hand2.dispose();
  opt.dispose();
  return row;
}

describe('trainer overhead', () => {
  it('trainer vs hand-written tfjs loop (and the hand loop vs itself), same model/backend/batch', async () => {
    const rounds = Number(process.env.MULTITASK_BENCH_ROUNDS ?? 12);
    await selectBackend({ prefer: 'wasm' });
    const rows = [
      compare(mlp(256), 'static', 128, rounds, 10),
      compare(mlp(256), 'mgda', 128, rounds, 10),
      compare(multiLeNet, 'static', 64, rounds, 3),
      compare(multiLeNet, 'mgda', 64, rounds, 3),
    ];
    console.log(
      [
        '',
        '### Trainer vs hand-written loop (median ms/step over interleaved blocks; goal ratio ≤ 1.05)',
        '',
        '| backend | model | strategy | hand-written | trainer | trainer / hand | A/A (hand′ / hand) | tensors leaked |',
        '|---|---|---|---|---|---|---|---|',
        ...rows,
        '',
      ].join('\n'),
    );
  });
});
