/** Guards shared by single-input backbones. Internal. */
import type { Tensor } from '@tensorflow/tfjs-core';
import { isTensorLike, MultitaskError, type Inputs } from '@multitask/core';

/** Returns the one input tensor, or throws `INVALID_DATA` naming the part when named inputs were given. */
export function singleInput(part: string, inputs: Inputs): Tensor {
  if (!isTensorLike(inputs)) {
    throw new MultitaskError(
      'INVALID_DATA',
      `[@multitask/backbones] ${part} takes one input tensor, but got named inputs ` +
        `(${Object.keys(inputs).join(', ')}) — wrap it in multiInputBackbone for named inputs.`,
    );
  }
  return inputs;
}
