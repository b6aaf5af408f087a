const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

/** A minimal live line chart of per-task losses (log scale), drawn on a canvas. */
export class LossPlot {
  readonly #canvas: HTMLCanvasElement;
  readonly #tasks: readonly string[];

  constructor(canvas: HTMLCanvasElement, legend: HTMLElement, tasks: readonly string[]) {
    this.#canvas = canvas;
    this.#tasks = tasks;
    legend.innerHTML = tasks
      .map(
        (t, i) =>
          `<span><i class="swatch" style="background:${COLORS[i % COLORS.length]!}"></i>${t} loss</span>`,
      )
      .join('');
  }

  draw(losses: Readonly<Record<string, readonly number[]>>): void {
    const ctx = this.#canvas.getContext('2d');
    if (!ctx) return;
    const { width, height } = this.#canvas;
    const pad = 36;
    ctx.clearRect(0, 0, width, height);
    const all = this.#tasks.flatMap((t) => losses[t] ?? []).filter((v) => v > 0 && Number.isFinite(v));
    if (all.length === 0) return;
    const lo = Math.log10(Math.min(...all));
    const hi = Math.log10(Math.max(...all));
    const span = Math.max(hi - lo, 1e-6);
    const steps = Math.max(...this.#tasks.map((t) => losses[t]?.length ?? 0), 2);
    ctx.strokeStyle = '#999';
    ctx.fillStyle = '#555';
    ctx.font = '11px system-ui, sans-serif';
    ctx.beginPath();
    ctx.moveTo(pad, 8);
    ctx.lineTo(pad, height - pad);
    ctx.lineTo(width - 8, height - pad);
    ctx.stroke();
    ctx.fillText(Math.pow(10, hi).toPrecision(2), 2, 14);
    ctx.fillText(Math.pow(10, lo).toPrecision(2), 2, height - pad);
    ctx.fillText(`step ${steps}`, width - 60, height - pad + 16);
    this.#tasks.forEach((task, i) => {
      const values = losses[task] ?? [];
      ctx.strokeStyle = COLORS[i % COLORS.length]!;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      values.forEach((v, s) => {
        const x = pad + ((width - pad - 8) * s) / (steps - 1);
        const y = 8 + ((height - pad - 8) * (hi - Math.log10(Math.max(v, 1e-12)))) / span;
        if (s === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
    });
  }
}
