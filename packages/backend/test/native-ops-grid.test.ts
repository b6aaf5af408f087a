/**
 * The native engine (tfjs-node on TensorFlow 2.21's C API, built by `pnpm native`) against the stock cpu backend:
 * every op a training step or a data pipeline of multitask uses, forward and gradient, over float32 and int32 where
 * the op takes both, must agree to 1e-5 (relative to the largest value). The differences found are listed in
 * KNOWN_DIFFERENCES with their work-around; the test checks that each work-around holds.
 *
 * Skipped when tfjs-node cannot load — except when `MULTITASK_TEST_BACKEND=tensorflow`, where that fails.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerNativeFixes } from '../src/index.ts';
import { randomArray, relativeError, valuesOn } from './helpers.ts';

const TOL = 1e-5;
const required = process.env.MULTITASK_TEST_BACKEND === 'tensorflow';
let loadError = '';
try {
  await import('@tensorflow/tfjs-node');
} catch (e) {
  loadError = e instanceof Error ? e.message.split('\n')[0]! : String(e);
}
const available = loadError === '' && tf.findBackend('tensorflow') !== null;

const t = (seed: number, shape: number[], lo = -1, hi = 1): tf.Tensor => {
  const size = shape.reduce((a, b) => a * b, 1);
  const v = randomArray(size, seed).map((x) => lo + ((x + 1) / 2) * (hi - lo));
  return tf.tensor(v, shape);
};
/** int32 values in [lo, hi). */
const ti = (seed: number, shape: number[], lo: number, hi: number): tf.Tensor => {
  const size = shape.reduce((a, b) => a * b, 1);
  const v = Array.from(randomArray(size, seed), (x) => Math.floor(lo + ((x + 1) / 2) * (hi - lo)));
  return tf.tensor(v, shape, 'int32');
};
const pos = (seed: number, shape: number[]): tf.Tensor => t(seed, shape, 0.1, 3);
const grad1 = (f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Tensor => tf.grad(f)(x);

/** name → computation (inputs built inside, so the same values are used on each backend). */
const OPS: Record<string, () => tf.Tensor | tf.Tensor[]> = {
  // elementwise float32, forward and gradient
  ...Object.fromEntries(
    (
      [
        ['abs', tf.abs],
        ['neg', tf.neg],
        ['exp', tf.exp],
        ['expm1', tf.expm1],
        ['sigmoid', tf.sigmoid],
        ['tanh', tf.tanh],
        ['relu', tf.relu],
        ['relu6', (x: tf.Tensor) => tf.relu6(tf.mul(x, 8))],
        ['elu', tf.elu],
        ['selu', tf.selu],
        ['leakyRelu', (x: tf.Tensor) => tf.leakyRelu(x, 0.1)],
        ['softplus', tf.softplus],
        ['sin', tf.sin],
        ['cos', tf.cos],
        ['atan', tf.atan],
        ['erf', tf.erf],
        ['square', tf.square],
        ['sign', tf.sign],
        ['floor', (x: tf.Tensor) => tf.floor(tf.mul(x, 4))],
        ['ceil', (x: tf.Tensor) => tf.ceil(tf.mul(x, 4))],
        ['round', (x: tf.Tensor) => tf.round(tf.mul(x, 4))],
        ['clipByValue', (x: tf.Tensor) => tf.clipByValue(x, -0.5, 0.5)],
        ['step', (x: tf.Tensor) => tf.step(x)],
      ] as [string, (x: tf.Tensor) => tf.Tensor][]
    ).flatMap(([name, f], i) => [
      [name, () => f(t(100 + i, [4, 33]))],
      [`grad ${name}`, () => grad1((x) => tf.sum(f(x)), t(100 + i, [4, 33]))],
    ]),
  ),
  ...Object.fromEntries(
    (
      [
        ['log', tf.log],
        ['log1p', tf.log1p],
        ['sqrt', tf.sqrt],
        ['rsqrt', tf.rsqrt],
        ['reciprocal', tf.reciprocal],
      ] as [string, (x: tf.Tensor) => tf.Tensor][]
    ).flatMap(([name, f], i) => [
      [name, () => f(pos(200 + i, [4, 33]))],
      [`grad ${name}`, () => grad1((x) => tf.sum(f(x)), pos(200 + i, [4, 33]))],
    ]),
  ),
  // elementwise binary float32 with broadcasting, and gradients of both inputs
  ...Object.fromEntries(
    (
      [
        ['add', tf.add],
        ['sub', tf.sub],
        ['mul', tf.mul],
        ['div', tf.div],
        ['maximum', tf.maximum],
        ['minimum', tf.minimum],
        ['squaredDifference', tf.squaredDifference],
        ['atan2', tf.atan2],
      ] as [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][]
    ).flatMap(([name, f], i) => [
      [name, () => f(t(300 + i, [4, 5, 6]), t(400 + i, [5, 1]))],
      [
        `grad ${name}`,
        // same shapes: tfjs's Maximum/Minimum/SquaredDifference gradients do not reduce broadcast axes (any backend)
        () =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(f(a, b)))([
            t(300 + i, [4, 5, 6]),
            t(400 + i, [4, 5, 6]),
          ]),
      ],
    ]),
  ),
  pow: () => tf.pow(pos(500, [3, 7]), t(501, [3, 7], -2, 2)),
  'grad pow': () =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.pow(a, b)))([pos(500, [3, 7]), t(501, [3, 7], -2, 2)]),
  floorDiv: () => tf.floorDiv(t(502, [3, 7], -9, 9), t(503, [3, 7], 0.5, 3)),
  mod: () => tf.mod(t(504, [3, 7], -9, 9), t(505, [3, 7], 0.5, 3)),
  // int32
  'int32 add/mul/sub': () => [
    tf.add(ti(600, [5, 6], -50, 50), ti(601, [5, 6], -50, 50)),
    tf.mul(ti(600, [5, 6], -50, 50), ti(601, [5, 6], -50, 50)),
    tf.sub(ti(600, [5, 6], -50, 50), ti(601, [5, 6], -50, 50)),
  ],
  'int32 floorDiv': () => tf.floorDiv(ti(602, [5, 6], -50, 50), ti(603, [5, 6], 1, 7)),
  'int32 mod': () => tf.mod(ti(602, [5, 6], -50, 50), ti(603, [5, 6], 1, 7)),
  'int32 abs/neg/sign': () => [
    tf.abs(ti(604, [30], -9, 9)),
    tf.neg(ti(604, [30], -9, 9)),
    tf.sign(ti(604, [30], -9, 9)),
  ],
  'int32 round': () => tf.round(ti(605, [30], -9, 9)),
  'int32 maximum/minimum': () => [
    tf.maximum(ti(607, [30], -9, 9), ti(608, [30], -9, 9)),
    tf.minimum(ti(607, [30], -9, 9), ti(608, [30], -9, 9)),
  ],
  'int32 sum/max/argMax': () => [
    tf.sum(ti(609, [6, 7], -9, 9), 1),
    tf.max(ti(609, [6, 7], -9, 9), 0),
    tf.argMax(ti(609, [6, 7], -9, 9), 1),
  ],
  'cast float→int32': () => tf.cast(t(610, [40], -5, 5), 'int32'),
  'cast int32→float/bool': () => [
    tf.cast(ti(611, [40], -3, 3), 'float32'),
    tf.cast(ti(611, [40], -3, 3), 'bool'),
  ],
  // comparisons and selection
  comparisons: () => {
    const a = t(620, [40]);
    const b = t(621, [40]);
    return [tf.greater(a, b), tf.less(a, b), tf.equal(tf.round(a), tf.round(b)), tf.greaterEqual(a, b)];
  },
  where: () => tf.where(tf.greater(t(622, [5, 6]), 0), t(623, [5, 6]), t(624, [5, 6])),
  'grad where': () =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.where(tf.greater(t(622, [5, 6]), 0), a, tf.mul(b, 2))),
    )([t(622, [5, 6]), t(623, [5, 6])]),
  isNaN: () => tf.isNaN(tf.div(t(625, [20]), tf.round(t(626, [20])))),
  // reductions
  reductions: () => {
    const x = t(700, [6, 7, 8]);
    return [
      tf.sum(x),
      tf.sum(x, 1),
      tf.mean(x, [0, 2]),
      tf.max(x, 2),
      tf.min(x, 0),
      tf.prod(tf.add(x, 1.5), 1),
      tf.logSumExp(x, 1),
      tf.argMax(x, 2),
      tf.argMin(x, 1),
      tf.all(tf.greater(x, -0.9), 1),
      tf.any(tf.greater(x, 0.9), 1),
    ];
  },
  'grad reductions': () =>
    grad1(
      (x) =>
        tf.addN([
          tf.sum(tf.max(x, 2)),
          tf.sum(tf.mean(x, 1)),
          tf.sum(tf.logSumExp(x, 2)),
          tf.sum(tf.prod(tf.add(x, 1.5), 0)),
          tf.sum(tf.min(x, 1)),
        ]),
      t(701, [4, 5, 6]),
    ),
  'softmax/logSoftmax': () => [tf.softmax(t(702, [8, 10], -4, 4)), tf.logSoftmax(t(702, [8, 10], -4, 4))],
  'grad softmax cross-entropy': () =>
    tf.grads((logits: tf.Tensor, labels: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, logits))([
      t(703, [8, 10], -4, 4),
      tf.softmax(t(704, [8, 10])),
    ]),
  'sigmoid cross-entropy + grad': () => [
    tf.losses.sigmoidCrossEntropy(tf.greater(t(705, [8, 3]), 0), t(706, [8, 3], -5, 5)),
    grad1((x) => tf.losses.sigmoidCrossEntropy(tf.greater(t(705, [8, 3]), 0), x), t(706, [8, 3], -5, 5)),
  ],
  'huber/absoluteDifference + grad': () => [
    grad1((x) => tf.losses.huberLoss(t(707, [8, 3]), x), t(708, [8, 3], -3, 3)),
    grad1((x) => tf.losses.absoluteDifference(t(707, [8, 3]), x), t(708, [8, 3], -3, 3)),
  ],
  cumsum: () => [tf.cumsum(t(709, [5, 9]), 1), tf.cumsum(t(709, [5, 9]), 0, true, true)],
  'grad cumsum': () => grad1((x) => tf.sum(tf.mul(tf.cumsum(x, 1), t(710, [5, 9]))), t(709, [5, 9])),
  topk: () => {
    const r = tf.topk(t(711, [4, 20]), 5);
    return [r.values, r.indices];
  },
  // linear algebra
  ...Object.fromEntries(
    (
      [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const
    ).flatMap(([ta, tb], i) => {
      const a = (): tf.Tensor => t(800 + i, ta ? [33, 17] : [17, 33]);
      const b = (): tf.Tensor => t(810 + i, tb ? [9, 33] : [33, 9]);
      return [
        [`matMul tA=${ta} tB=${tb}`, () => tf.matMul(a(), b(), ta, tb)],
        [
          `grad matMul tA=${ta} tB=${tb}`,
          () => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y, ta, tb)))([a(), b()]),
        ],
      ];
    }),
  ),
  'batched matMul': () => tf.matMul(t(820, [3, 5, 7]), t(821, [3, 7, 4])),
  'fused dense (bias + relu) + grad': () => {
    const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor =>
      tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' });
    return [
      f(t(830, [16, 20]), t(831, [20, 12]), t(832, [12])),
      ...tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(f(x, w, b)))([
        t(830, [16, 20]),
        t(831, [20, 12]),
        t(832, [12]),
      ]),
    ];
  },
  // convolutions and pooling (NHWC), forward and gradients
  ...Object.fromEntries(
    (
      [
        [1, 'valid'],
        [2, 'same'],
        [1, 'same'],
      ] as const
    ).flatMap(([s, pad], i) => {
      const x = (): tf.Tensor => t(900 + i, [2, 11, 10, 3]);
      const w = (): tf.Tensor => t(910 + i, [3, 3, 3, 5]);
      return [
        [`conv2d s=${s} ${pad}`, () => tf.conv2d(x() as tf.Tensor4D, w() as tf.Tensor4D, s, pad)],
        [
          `grad conv2d s=${s} ${pad}`,
          () =>
            tf.grads((a: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad), 1.5)),
            )([x(), w()]),
        ],
        [
          `fused conv2d (bias + relu) s=${s} ${pad} + grad`,
          () => {
            const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Tensor =>
              tf.fused.conv2d({
                x: a as tf.Tensor4D,
                filter: b as tf.Tensor4D,
                strides: s,
                pad,
                bias: c,
                activation: 'relu',
              });
            return [
              f(x(), w(), t(920, [5])),
              ...tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(f(a, b, c)))([
                x(),
                w(),
                t(920, [5]),
              ]),
            ];
          },
        ],
        [`maxPool s=${s} ${pad}`, () => tf.maxPool(x() as tf.Tensor4D, 2, s, pad)],
        [
          `grad maxPool s=${s} ${pad}`,
          () =>
            grad1(
              (a) =>
                tf.sum(
                  tf.mul(
                    tf.maxPool(a as tf.Tensor4D, 2, s, pad),
                    t(930 + i, tf.maxPool(x() as tf.Tensor4D, 2, s, pad).shape),
                  ),
                ),
              x(),
            ),
        ],
        [`avgPool s=${s} ${pad}`, () => tf.avgPool(x() as tf.Tensor4D, 3, s, pad)],
        [
          `grad avgPool s=${s} ${pad}`,
          () => grad1((a) => tf.sum(tf.square(tf.avgPool(a as tf.Tensor4D, 3, s, pad))), x()),
        ],
        [
          `depthwiseConv2d s=${s} ${pad} + grad`,
          () => {
            const dw = (): tf.Tensor => t(940 + i, [3, 3, 3, 2]);
            const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
              tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad);
            return [
              f(x(), dw()),
              ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(a, b))))([x(), dw()]),
            ];
          },
        ],
      ];
    }),
  ),
  'conv1d + grad': () => {
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
      tf.conv1d(a as tf.Tensor3D, b as tf.Tensor3D, 1, 'same');
    return [
      f(t(950, [2, 12, 4]), t(951, [3, 4, 6])),
      ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(a, b))))([
        t(950, [2, 12, 4]),
        t(951, [3, 4, 6]),
      ]),
    ];
  },
  'conv2dTranspose + grad': () => {
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor =>
      tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 10, 10, 3], 2, 'same');
    return [
      f(t(952, [2, 5, 5, 4]), t(953, [3, 3, 3, 4])),
      ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(a, b))))([
        t(952, [2, 5, 5, 4]),
        t(953, [3, 3, 3, 4]),
      ]),
    ];
  },
  'batchNorm + grad': () => {
    const f = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor): tf.Tensor =>
      tf.batchNorm(x, m, v, o, s, 1e-3);
    const args = (): tf.Tensor[] => [t(960, [6, 4, 5]), t(961, [5]), pos(962, [5]), t(963, [5]), t(964, [5])];
    const a = args();
    return [
      f(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!),
      ...tf.grads((x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
        tf.sum(tf.square(f(x, m, v, o, s))),
      )(args()),
    ];
  },
  'moments + grad': () => {
    const m = tf.moments(t(965, [6, 4, 5]), [0, 1]);
    return [m.mean, m.variance, grad1((x) => tf.sum(tf.moments(x, [0, 1]).variance), t(965, [6, 4, 5]))];
  },
  'resizeBilinear + grad': () => [
    tf.image.resizeBilinear(t(966, [1, 5, 6, 2]) as tf.Tensor4D, [9, 7]),
    // square: tfjs 4.22's ResizeBilinear gradient swaps height and width of a non-square input (any backend)
    grad1((x) => tf.sum(tf.square(tf.image.resizeBilinear(x as tf.Tensor4D, [9, 9]))), t(966, [1, 6, 6, 2])),
  ],
  // shape and indexing ops (used by the data pipeline, heads and embeddings)
  'gather + grad (embedding)': () => [
    tf.gather(t(970, [10, 4]), ti(971, [12], 0, 10)),
    grad1((x) => tf.sum(tf.square(tf.gather(x, ti(971, [12], 0, 10)))), t(970, [10, 4])),
  ],
  unsortedSegmentSum: () => tf.unsortedSegmentSum(t(972, [12, 3]), ti(973, [12], 0, 5) as tf.Tensor1D, 5),
  oneHot: () => [tf.oneHot(ti(974, [9], 0, 4), 4), tf.oneHot(ti(974, [9], 0, 4), 4, 2, -1)],
  'concat/slice/stack + grad': () =>
    grad1(
      (x) =>
        tf.sum(tf.square(tf.concat([tf.slice(x, [0, 1], [4, 4]), tf.stack([x, x], 2).reshape([4, -1])], 1))),
      t(975, [4, 6]),
    ),
  'pad/transpose/tile/reverse': () => {
    const x = t(976, [3, 4, 2]);
    return [
      tf.pad(
        x,
        [
          [1, 0],
          [0, 2],
          [1, 1],
        ],
        0.5,
      ),
      tf.transpose(x, [2, 0, 1]),
      tf.tile(x, [2, 1, 3]),
      tf.reverse(x, [1]),
    ];
  },
  'grad pad/transpose/tile': () =>
    grad1(
      (x) =>
        tf.sum(
          tf.square(
            tf.tile(
              tf.transpose(
                tf.pad(x, [
                  [1, 0],
                  [0, 2],
                  [1, 1],
                ]),
                [2, 0, 1],
              ),
              [2, 1, 1],
            ),
          ),
        ),
      t(976, [3, 4, 2]),
    ),
  'dropout-free random: none; linspace/range/fill': () => [
    tf.linspace(-1, 1, 7),
    tf.range(0, 10, 3),
    tf.fill([2, 3], 0.25),
  ],
};

/**
 * Ops whose tensorflow result differs from cpu beyond TOL on TensorFlow 2.21's libraries, and what is done about it.
 * `'fixed'`: `registerNativeFixes()` re-registers a corrected kernel, so the op must now agree; `'cpu is wrong'`: the
 * op must still differ from cpu AND match finite differences on tensorflow (explained in the README).
 */
const KNOWN_DIFFERENCES: Readonly<Record<string, 'fixed' | 'cpu is wrong'>> = {
  // TF 2.21's Round kernel returns zeros for int32 (TF 2.9.1, which the binding was written for, returned x).
  'int32 round': 'fixed',
  // tfjs's cpu AvgPoolGrad divides by the whole window where 'same' padding cuts it, while its forward AvgPool
  // divides by the cells inside: TensorFlow's gradient is the true one (checked by finite differences below).
  'grad avgPool s=2 same': 'cpu is wrong',
  'grad avgPool s=1 same': 'cpu is wrong',
};

/** Central finite differences of f at x on the active backend (exact up to rounding for quadratic f). */
function finiteDifferences(
  f: (x: tf.Tensor) => tf.Tensor,
  x: Float32Array,
  shape: number[],
  h = 0.1,
): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const at = (d: number): number => {
      const v = Float32Array.from(x);
      v[i]! += d;
      const y = tf.tidy(() => f(tf.tensor(v, shape)));
      const value = y.dataSync()[0]!;
      y.dispose();
      return value;
    };
    const up = at(h);
    const down = at(-h);
    out[i] = (up - down) / (2 * h);
  }
  return out;
}

describe.skipIf(!available && !required)('tensorflow (tfjs-node) vs cpu, op by op', () => {
  beforeAll(() => {
    expect(
      loadError,
      'MULTITASK_TEST_BACKEND=tensorflow but tfjs-node does not load: run `pnpm native`',
    ).toBe('');
    expect(registerNativeFixes()).toEqual(['Round']);
  });

  for (const [name, f] of Object.entries(OPS)) {
    it(`${name}${KNOWN_DIFFERENCES[name] ? ` (${KNOWN_DIFFERENCES[name]})` : ''}`, () => {
      const want = valuesOn('cpu', f);
      const got = valuesOn('tensorflow', f);
      expect(got.length).toBe(want.length);
      const errors = got.map((g, i) => relativeError(g, want[i]!));
      if (KNOWN_DIFFERENCES[name] === 'cpu is wrong') {
        expect(Math.max(...errors), `${name} now agrees with cpu: update KNOWN_DIFFERENCES`).toBeGreaterThan(
          TOL,
        );
        const [s, pad] = name.includes('s=2') ? [2, 'same' as const] : [1, 'same' as const];
        const loss = (a: tf.Tensor): tf.Tensor => tf.sum(tf.square(tf.avgPool(a as tf.Tensor4D, 3, s, pad)));
        const x = randomArray(2 * 11 * 10 * 3, 900 + (s === 2 ? 1 : 2));
        const previous = tf.getBackend();
        tf.setBackend('tensorflow');
        try {
          const numeric = finiteDifferences(loss, Float32Array.from(x), [2, 11, 10, 3]);
          expect(relativeError(got[0]!, numeric), `${name} vs finite differences`).toBeLessThanOrEqual(1e-3);
        } finally {
          tf.setBackend(previous);
        }
        return;
      }
      expect(
        Math.max(...errors),
        `${name}: relative errors ${errors.map((e) => e.toExponential(1)).join(', ')}`,
      ).toBeLessThanOrEqual(TOL);
    });
  }
});
