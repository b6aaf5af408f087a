import type { Tensor } from '@tensorflow/tfjs-core';
import type { Head, PartConfig } from '@multitask/core';
import { denseStack, resolveStack, type StackOptions } from './internal/dense-stack.ts';
import { checkPositiveInt, checkRate } from '@multitask/core';

/** Options of {@link classificationHead}. */
export interface ClassificationHeadOptions extends StackOptions {
  /** Number of classes (≥ 2); the head outputs that many logits. */
  readonly numClasses: number;
  /** Label smoothing ε of the loss in [0, 1): targets become `(1−ε)·onehot + ε/K`. Default 0. */
  readonly labelSmoothing?: number;
}

/** The head returned by {@link classificationHead}. */
export interface ClassificationHead extends Head {
  /** Always `"classification"`. */
  readonly name: 'classification';
  /** Number of classes. */
  readonly numClasses: number;
  /** Label smoothing of the loss. */
  readonly labelSmoothing: number;
}

/** Builds a classification head; `part` names it in error messages. @internal */
export function createClassificationHead(options: ClassificationHeadOptions, part: string): ClassificationHead {
  const numClasses = checkPositiveInt('heads', part, 'numClasses', options.numClasses);
  const labelSmoothing = checkRate('heads', part, 'labelSmoothing', options.labelSmoothing ?? 0);
  const stack = denseStack(part, resolveStack(part, options), numClasses);
  return {
    name: 'classification',
    numClasses,
    labelSmoothing,
    outputSize: numClasses,
    // Undefined until the first representation is seen when the option was left unset (same as absent).
    get inputSize(): number {
      return stack.inputSize!;
    },
    get trainableVariables() {
      return stack.variables;
    },
    apply: (representation: Tensor, context) => stack.apply(representation, context),
    build: (inputSize: number) => {
      stack.build(inputSize);
    },
    getConfig(): PartConfig {
      const o = stack.options;
      return {
        type: 'classification',
        options: {
          ...(stack.inputSize === undefined ? {} : { inputSize: stack.inputSize }),
          numClasses,
          hidden: o.hidden,
          activation: o.activation,
          dropout: o.dropout,
          initializer: o.initializer,
          labelSmoothing,
          seed: o.seed,
        },
      };
    },
    dispose: () => { stack.dispose(); },
  };
}

/**
 * A classification head: optional hidden stack, then `numClasses` logits (no softmax; the loss takes logits).
 * Pair it with {@link softmaxCrossEntropyLoss}, or use {@link classificationTask} which does.
 *
 * @example
 * ```ts
 * const head = classificationHead({ inputSize: 64, numClasses: 10, hidden: [32], dropout: 0.1 });
 * const logits = head.apply(z, { training: false }); // [batch, 10]
 * ```
 */
export function classificationHead(options: ClassificationHeadOptions): ClassificationHead {
  return createClassificationHead(options, 'classification head');
}
