/**
 * A live progress line for long trainings, as a trainer callback: run i of N, epoch, step, per-task loss,
 * elapsed time and ETA. On a terminal the line is rewritten in place (`\r`, at most every `intervalMs`); when the
 * stream is not a terminal (a log file, CI) it prints one plain line per epoch instead, so logs stay readable.
 * It writes to the stream it is given (the CLI passes stderr, so `--json` output on stdout stays clean).
 */
import type { EpochEvent, StepEvent, TrainerCallback } from '@multitask/core';

/** Options of {@link progressReporter}. */
export interface ProgressOptions {
  /** Where the text goes (e.g. `(t) => process.stderr.write(t)`). */
  readonly write: (text: string) => void;
  /** Rewrite one line in place (a terminal) instead of one plain line per epoch. */
  readonly tty: boolean;
  /** This run's position in a series (1-based `index` of `total`), shown as `run i/N`. */
  readonly run?: { readonly index: number; readonly total: number };
  /** A short name of the run (e.g. `strategy mgda, seed 2`). */
  readonly label?: string;
  /** Optimizer steps per epoch (`ceil(rows / batchSize)`); without it the ETA waits for the first epoch. */
  readonly stepsPerEpoch?: number;
  /** Epochs of the whole run (default: those the trainer announces, counted from the first epoch seen). */
  readonly epochs?: number;
  /** Minimum milliseconds between two terminal updates (default 250). */
  readonly intervalMs?: number;
  /** Clock in milliseconds (default `Date.now`; tests pass a fake one). */
  readonly now?: () => number;
}

/** The callback returned by {@link progressReporter}. */
export interface ProgressReporter extends TrainerCallback {
  /** The last line written (without `\r` or newline), e.g. for a final summary. */
  readonly lastLine: string;
}

/** `s` seconds as `m:ss` or `h:mm:ss`. */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '—';
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function lossText(losses: Readonly<Record<string, number>>): string {
  const parts = Object.entries(losses).map(
    ([t, l]) => `${t} ${Number.isFinite(l) ? l.toFixed(4) : String(l)}`,
  );
  return parts.length > 0 ? `loss ${parts.join(' ')}` : 'loss —';
}

/**
 * A {@link ProgressReporter}: pass it in the trainer's `callbacks` (or the app's `RunHooks.callbacks`).
 *
 * @example
 * ```ts
 * const progress = progressReporter({
 *   write: (t) => void process.stderr.write(t),
 *   tty: process.stderr.isTTY === true,
 *   run: { index: 2, total: 6 },
 *   label: 'strategy mgda',
 *   stepsPerEpoch: Math.ceil(60000 / 256),
 * });
 * await runExperiment(config, { callbacks: [progress] });
 * ```
 */
export function progressReporter(options: ProgressOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 250;
  let started = 0;
  let announcedEpochs: number | undefined;
  let firstEpoch: number | undefined;
  let firstStep: number | undefined;
  let stepsPerEpoch = options.stepsPerEpoch;
  let epochStartStep = 0;
  let lastWrite = Number.NEGATIVE_INFINITY;
  let lastLine = '';
  let open = false; // a terminal line is showing without its newline
  const sums = new Map<string, { sum: number; n: number }>();

  const totalEpochs = (): number | undefined =>
    options.epochs ?? (announcedEpochs !== undefined ? (firstEpoch ?? 0) + announcedEpochs : undefined);

  const prefix = (): string => {
    const parts: string[] = [];
    if (options.run) parts.push(`run ${options.run.index}/${options.run.total}`);
    if (options.label !== undefined) parts.push(options.label);
    return parts.length > 0 ? `[${parts.join(' · ')}] ` : '';
  };

  /** Seconds left in this run, from the step rate of this process; undefined until it can be estimated. */
  const remaining = (stepsDone: number, elapsed: number): number | undefined => {
    const epochs = totalEpochs();
    if (stepsPerEpoch === undefined || epochs === undefined || firstStep === undefined) return undefined;
    const doneHere = stepsDone - firstStep;
    if (doneHere <= 0 || elapsed <= 0) return undefined;
    return Math.max(0, epochs * stepsPerEpoch - stepsDone) * (elapsed / doneHere);
  };

  const line = (epoch: number, stepsDone: number, losses: Readonly<Record<string, number>>): string => {
    const elapsed = (now() - started) / 1000;
    const epochs = totalEpochs();
    const inEpoch = stepsDone - epochStartStep;
    const stepText = stepsPerEpoch !== undefined ? `step ${inEpoch}/${stepsPerEpoch}` : `step ${inEpoch}`;
    const left = remaining(stepsDone, elapsed);
    let eta = `ETA ${left === undefined ? '—' : formatDuration(left)}`;
    if (left !== undefined && options.run && options.run.total > options.run.index) {
      // The runs still to come are assumed to take as long as this one.
      const runSeconds = elapsed + left;
      eta += ` (series ${formatDuration(left + (options.run.total - options.run.index) * runSeconds)})`;
    }
    return (
      `${prefix()}epoch ${epoch + 1}/${epochs ?? '?'} · ${stepText} · ${lossText(losses)} · ` +
      `${formatDuration(elapsed)} elapsed · ${eta}`
    );
  };

  return {
    get lastLine() {
      return lastLine;
    },
    onTrainBegin(info) {
      started = now();
      announcedEpochs = info.epochs;
      firstEpoch = undefined;
      firstStep = undefined;
      lastWrite = Number.NEGATIVE_INFINITY;
    },
    onStepEnd(event: StepEvent) {
      if (firstEpoch === undefined) {
        firstEpoch = event.epoch;
        firstStep = event.step;
        epochStartStep = event.step;
        sums.clear();
      }
      for (const [t, l] of Object.entries(event.losses)) {
        const acc = sums.get(t) ?? { sum: 0, n: 0 };
        acc.sum += l;
        acc.n += 1;
        sums.set(t, acc);
      }
      if (!options.tty) return;
      const t = now();
      if (t - lastWrite < interval) return;
      lastWrite = t;
      const means = Object.fromEntries([...sums].map(([task, a]) => [task, a.sum / a.n]));
      lastLine = line(event.epoch, event.step + 1, means);
      options.write(`\r${lastLine}\x1b[K`);
      open = true;
    },
    onEpochEnd(event: EpochEvent) {
      const stepsInEpoch = event.step - epochStartStep;
      if (stepsPerEpoch === undefined && stepsInEpoch > 0) stepsPerEpoch = stepsInEpoch;
      lastLine = line(event.epoch, event.step, event.trainLosses);
      if (options.tty) {
        options.write(`\r${lastLine}\x1b[K`);
        open = true;
        lastWrite = now();
      } else options.write(`${lastLine}\n`);
      epochStartStep = event.step;
      sums.clear();
    },
    onTrainEnd() {
      if (open) options.write('\n');
      open = false;
    },
  };
}
