/**
 * registerGradients(): the gradient functions generated at build time from tfjs-core's definitions give the
 * same gradients as tfjs-core's own registration (which the shared test setup loads through vite), and a
 * missing registration is reported as such — not blamed on the loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  MultitaskError,
  MultitaskModel,
  Trainer,
  gradientsRegistered,
  missingGradientError,
  registerGradients,
} from '../src/index.ts';
import { gradConfigs } from '../src/generated/tfjs-gradients.ts';
import { classificationTask, denseBackbone, fixedLossWeighting, linearHead } from './fixtures.ts';

type Registry = Map<string, tf.GradConfig>;
/** tfjs-core keeps its gradient registry in a global map (`getGlobal('gradRegistry')`). */
function gradRegistry(): Registry {
  const globals = (globalThis as unknown as { _tfGlobals: Map<string, unknown> })._tfGlobals;
  const registry = globals.get('gradRegistry') as Registry | undefined;
  if (registry === undefined) throw new Error('tfjs-core gradient registry not found');
  return registry;
}

/** A loss touching many kernels (MatMul, Relu, Sigmoid, Conv2D, MaxPool, Softmax, Concat, Slice, Gather…). */
function loss(vars: { w: tf.Tensor; k: tf.Tensor; e: tf.Tensor }): tf.Scalar {
  const x = tf.tensor4d(
    Array.from({ length: 2 * 6 * 6 * 2 }, (_, i) => Math.sin(i)),
    [2, 6, 6, 2],
  );
  const c = tf.maxPool(tf.relu(tf.conv2d(x, vars.k as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
  const flat = tf.reshape(c, [2, -1]);
  const h = tf.sigmoid(tf.matMul(flat, vars.w));
  const emb = tf.gather(vars.e, tf.tensor1d([0, 2], 'int32'));
  const both = tf.concat([h, tf.tanh(emb)], 1);
  const p = tf.softmax(tf.slice(both, [0, 1], [2, 4]));
  return tf.add(tf.mean(tf.square(tf.sub(p, 0.25))), tf.mul(0.01, tf.sum(tf.abs(vars.w))));
}

function gradientsOf(): number[][] {
  return tf.tidy(() => {
    const vars = {
      w: tf.tensor2d(
        Array.from({ length: 27 * 3 }, (_, i) => Math.cos(i) * 0.2),
        [27, 3],
      ),
      k: tf.tensor4d(
        Array.from({ length: 3 * 3 * 2 * 3 }, (_, i) => Math.sin(i * 0.7) * 0.3),
        [3, 3, 2, 3],
      ),
      e: tf.tensor2d(
        Array.from({ length: 3 * 2 }, (_, i) => i * 0.1 - 0.2),
        [3, 2],
      ),
    };
    const grads = tf.grads((w: tf.Tensor, k: tf.Tensor, e: tf.Tensor) => loss({ w, k, e }))([
      vars.w,
      vars.k,
      vars.e,
    ]);
    return grads.map((g) => Array.from(g.dataSync()));
  });
}

describe('registerGradients', () => {
  let saved: Registry;
  beforeEach(() => {
    saved = new Map(gradRegistry());
  });
  afterEach(() => {
    const registry = gradRegistry();
    registry.clear();
    for (const [k, v] of saved) registry.set(k, v);
  });

  test('covers every gradient tfjs-core registers itself, and nothing else', () => {
    const names = gradConfigs.map((c) => c.kernelName).sort();
    expect(names).toEqual([...saved.keys()].sort());
    expect(names.length).toBeGreaterThan(100);
  });

  test('from an empty registry, gives the same gradients as tfjs-core’s own registration', () => {
    const expected = gradientsOf();
    gradRegistry().clear();
    expect(gradientsRegistered()).toBe(false);
    expect(() => gradientsOf()).toThrow(/gradient function not found/);
    const result = registerGradients();
    expect(result.registered).toBe(saved.size);
    expect(result.kept).toBe(0);
    expect(result.generatedFrom).toBe(tf.version_core);
    expect(gradientsRegistered('Mean')).toBe(true);
    expect(gradientsOf()).toEqual(expected);
  });

  test('is idempotent and keeps gradients registered by others', () => {
    const custom = { kernelName: 'Mean', gradFunc: () => ({}) } as unknown as tf.GradConfig;
    gradRegistry().clear();
    gradRegistry().set('Mean', custom);
    const first = registerGradients();
    expect(first.kept).toBe(1);
    expect(gradRegistry().get('Mean')).toBe(custom);
    const second = registerGradients();
    expect(second).toMatchObject({ registered: 0, kept: saved.size });
  });

  test('missingGradientError names the missing registration, not the user’s function', () => {
    gradRegistry().clear();
    const x = tf.scalar(3);
    let thrown: unknown;
    try {
      tf.grad((v: tf.Tensor) => tf.mean(tf.square(v)))(x);
    } catch (e) {
      thrown = e;
    }
    x.dispose();
    const error = missingGradientError(thrown, '[test] loop');
    expect(error).toBeInstanceOf(MultitaskError);
    expect(error?.code).toBe('MISSING_GRADIENT');
    expect(error?.message).toMatch(
      /^\[test\] loop: tfjs has no gradient functions registered .*registerGradients\(\)/,
    );
    expect(missingGradientError(new Error('shapes do not match'), 'x')).toBeUndefined();
  });

  test('the Trainer refuses to start without gradients, naming registerGradients()', () => {
    const model = new MultitaskModel({
      backbone: denseBackbone({ inputSize: 3, units: 4, seed: 1 }),
      tasks: [classificationTask('a', linearHead(4, 2, 2))],
    });
    const optimizer = tf.train.sgd(0.1);
    gradRegistry().clear();
    let thrown: unknown;
    try {
      new Trainer({ model, strategy: fixedLossWeighting([1]), optimizer, seed: 1 });
    } catch (e) {
      thrown = e;
    }
    model.dispose();
    optimizer.dispose();
    expect(thrown).toBeInstanceOf(MultitaskError);
    expect((thrown as MultitaskError).code).toBe('MISSING_GRADIENT');
    expect((thrown as MultitaskError).message).toMatch(/`registerGradients\(\)` from @multitask\/core/);
  });
});
