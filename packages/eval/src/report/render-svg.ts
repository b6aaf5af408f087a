import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Renders a vega-lite 5 specification to an SVG string, headlessly: vega-lite compiles it to vega, and a vega
 * `View` with the `'none'` renderer draws it with `toSVG()` (no DOM, no canvas needed; works in Node and
 * browsers). The view is finalised afterwards.
 *
 * @example
 * ```ts
 * import { renderSvg } from '@multitask/eval';
 *
 * const svg = await renderSvg({
 *   data: { values: [{ x: 1, y: 2 }] },
 *   mark: 'point',
 *   encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
 * });
 * console.log(svg.startsWith('<svg'));
 * ```
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
