import type { MetricFactory } from '@multitask/core';
import { accuracy } from './accuracy.ts';
import { f1 } from './f1.ts';
import { logLoss } from './log-loss.ts';
import { mae } from './mae.ts';
import { mse } from './mse.ts';
import { precision } from './precision.ts';
import { r2 } from './r2.ts';
import { recall } from './recall.ts';
import { rmse } from './rmse.ts';
import { rocAuc } from './roc-auc.ts';
import { topKAccuracy } from './top-k-accuracy.ts';

/** The names of {@link builtinMetrics}. */
export type BuiltinMetricName =
  | 'accuracy'
  | 'top-3-accuracy'
  | 'top-5-accuracy'
  | 'precision'
  | 'recall'
  | 'f1'
  | 'precision-macro'
  | 'recall-macro'
  | 'f1-macro'
  | 'precision-micro'
  | 'recall-micro'
  | 'f1-micro'
  | 'roc-auc'
  | 'log-loss'
  | 'mse'
  | 'rmse'
  | 'mae'
  | 'r2';

/**
 * The built-in metrics by name, each a `MetricFactory` with default options (scores read as logits) —
 * what an application resolves a task's `metrics: ['accuracy']` names with, e.g. through
 * `createRegistry('metric', builtinMetrics)` from `@multitask/core`. Each call returns a fresh metric whose
 * `name` is its key. Importing individual factories instead tree-shakes better.
 *
 * | name | factory | higher is better |
 * |---|---|---|
 * | `accuracy` | {@link accuracy} | yes |
 * | `top-3-accuracy`, `top-5-accuracy` | {@link topKAccuracy} | yes |
 * | `precision`, `recall`, `f1` (binary for binary scores, else macro) | {@link precision}, {@link recall}, {@link f1} | yes |
 * | `precision-macro`, `recall-macro`, `f1-macro`, `precision-micro`, `recall-micro`, `f1-micro` | same | yes |
 * | `roc-auc` | {@link rocAuc} | yes |
 * | `log-loss` | {@link logLoss} | no |
 * | `mse`, `rmse`, `mae` | {@link mse}, {@link rmse}, {@link mae} | no |
 * | `r2` | {@link r2} | yes |
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { createRegistry } from '@multitask/core';
 * import { builtinMetrics } from '@multitask/eval';
 *
 * const metrics = createRegistry('metric', builtinMetrics);
 * const m = metrics.get('accuracy')(); // a fresh streaming metric
 * console.log(m.higherIsBetter, metrics.names);
 * ```
 */
export const builtinMetrics: Readonly<Record<BuiltinMetricName, MetricFactory>> = Object.freeze({
  accuracy: () => accuracy(),
  'top-3-accuracy': () => topKAccuracy({ k: 3 }),
  'top-5-accuracy': () => topKAccuracy({ k: 5 }),
  precision: () => precision(),
  recall: () => recall(),
  f1: () => f1(),
  'precision-macro': () => precision({ average: 'macro' }),
  'recall-macro': () => recall({ average: 'macro' }),
  'f1-macro': () => f1({ average: 'macro' }),
  'precision-micro': () => precision({ average: 'micro' }),
  'recall-micro': () => recall({ average: 'micro' }),
  'f1-micro': () => f1({ average: 'micro' }),
  'roc-auc': () => rocAuc(),
  'log-loss': () => logLoss(),
  mse: () => mse(),
  rmse: () => rmse(),
  mae: () => mae(),
  r2: () => r2(),
});
