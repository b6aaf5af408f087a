import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';
import { isTensorLike, MultitaskError, shapeString, type Backbone, type PartConfig } from '@multitask/core';
import type { BackboneFactory, FactoryMap } from './model-io.ts';

/** Options of {@link multiInputBackbone}. */
export interface MultiInputBackboneOptions {
  /** One single-input backbone per named input; each must return one tensor `[batch, n]`. */
  readonly branches: Readonly<Record<string, Backbone>>;
}

/** The backbone returned by {@link multiInputBackbone}. */
export interface MultiInputBackbone extends Backbone {
  /** Always `"multi-input"`. */
  readonly name: 'multi-input';
  /** The input names, in branch order. */
  readonly inputNames: readonly string[];
  /** The branches by input name. */
  readonly branches: Readonly<Record<string, Backbone>>;
}

/**
 * Combines one backbone per named input and concatenates their representations (last axis). Feed it a record
 * `{ [inputName]: Tensor }`; missing or unknown names throw `INVALID_DATA` naming them.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-cpu';
 * import { mlpBackbone, multiInputBackbone, multiLeNetBackbone } from '@multitask/backbones';
 *
 * const backbone = multiInputBackbone({
 *   branches: { image: multiLeNetBackbone({ inputShape: [28, 28, 1] }), meta: mlpBackbone({ inputSize: 4, units: [8] }) },
 * });
 * const image = tf.randomNormal([2, 28, 28, 1]);
 * const meta = tf.randomNormal([2, 4]);
 * const z = backbone.apply({ image, meta }, { training: false }) as tf.Tensor; // [2, 58]
 * console.log(z.shape);
 * tf.dispose([image, meta, z]);
 * backbone.dispose();
 * ```
 */
export function multiInputBackbone(options: MultiInputBackboneOptions): MultiInputBackbone {
  const part = 'multi-input backbone';
  const names = Object.keys(options.branches);
  if (names.length === 0) {
    throw new MultitaskError(
      'INVALID_OPTION',
      `[@multitask/backbones] ${part}: option "branches" needs at least one named branch.`,
      {
        details: { option: 'branches' },
      },
    );
  }
  const branches = { ...options.branches };
  const sizes = names.map((n) => branches[n]!.outputSize);
  const outputSize = sizes.every((s) => s !== undefined) ? sizes.reduce((a, b) => a + b, 0) : undefined;
  const trainable: Variable[] = names.flatMap((n) => [...branches[n]!.trainableVariables]);
  const nonTrainable: Variable[] = names.flatMap((n) => [...(branches[n]!.nonTrainableVariables ?? [])]);
  return {
    name: 'multi-input',
    ...(outputSize === undefined ? {} : { outputSize }),
    inputNames: names,
    branches,
    trainableVariables: trainable,
    nonTrainableVariables: nonTrainable,
    apply(inputs, context): Tensor {
      if (isTensorLike(inputs)) {
        throw new MultitaskError(
          'INVALID_DATA',
          `[@multitask/backbones] ${part} takes named inputs (${names.join(', ')}), but got one tensor of shape ` +
            `${shapeString(inputs.shape)} — pass { ${names.map((n) => `${n}: …`).join(', ')} }.`,
        );
      }
      const missing = names.filter((n) => !(n in inputs));
      const unknown = Object.keys(inputs).filter((n) => !names.includes(n));
      if (missing.length > 0 || unknown.length > 0) {
        throw new MultitaskError(
          'INVALID_DATA',
          `[@multitask/backbones] ${part} expects inputs named ${names.join(', ')}` +
            (missing.length ? `; missing: ${missing.join(', ')}` : '') +
            (unknown.length ? `; unknown: ${unknown.join(', ')}` : '') +
            ' — rename the inputs to match the branches.',
          { details: { missing: missing.join(','), unknown: unknown.join(',') } },
        );
      }
      return tf.tidy(() => {
        const parts = names.map((n) => {
          const r = branches[n]!.apply(inputs[n]!, context);
          if (!isTensorLike(r) || r.rank !== 2) {
            throw new MultitaskError(
              'INVALID_CONFIG',
              `[@multitask/backbones] ${part}: branch "${n}" (${branches[n]!.name}) must return one [batch, n] tensor.`,
              { details: { input: n } },
            );
          }
          return r;
        });
        return parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
      });
    },
    getConfig(): PartConfig {
      return {
        type: 'multi-input',
        options: { branches: Object.fromEntries(names.map((n) => [n, branches[n]!.getConfig() as never])) },
      };
    },
    dispose(): void {
      for (const n of names) branches[n]!.dispose();
    },
  };
}

/**
 * The factory that rebuilds a {@link multiInputBackbone} from its config, building each branch with
 * `factories` (include the branches' types, e.g. `builtinBackbones`).
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { builtinBackbones, multiInputFactory } from '@multitask/backbones';
 *
 * const backbones = { ...builtinBackbones, 'multi-input': multiInputFactory(builtinBackbones) };
 * const backbone = backbones['multi-input']({ branches: { meta: { type: 'mlp', options: { inputSize: 4, units: [8] } } } } as never);
 * console.log(backbone.outputSize); // 8
 * backbone.dispose();
 * ```
 */
export function multiInputFactory(factories: FactoryMap<BackboneFactory>): BackboneFactory {
  const get = (type: string): BackboneFactory => {
    const f =
      'get' in factories && typeof factories.get === 'function'
        ? (factories.get as (t: string) => BackboneFactory)(type)
        : (factories as Record<string, BackboneFactory>)[type];
    if (f === undefined) {
      throw new MultitaskError(
        'UNKNOWN_NAME',
        `[@multitask/backbones] multi-input backbone: no factory for branch type "${type}".`,
        {
          details: { name: type },
        },
      );
    }
    return f;
  };
  return (options: { branches: Record<string, PartConfig> }) => {
    const built: Record<string, Backbone> = {};
    try {
      for (const [n, cfg] of Object.entries(options.branches)) built[n] = get(cfg.type)(cfg.options as never);
    } catch (e) {
      for (const b of Object.values(built)) b.dispose();
      throw e;
    }
    return multiInputBackbone({ branches: built });
  };
}
