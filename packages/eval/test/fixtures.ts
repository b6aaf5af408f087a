import type { GradientStatsEvent } from '@multitask/core';
import { conflictRecorder, historyRecorder, type ExperimentReport, type RunRecord } from '../src/index.ts';

/**
 * A synthetic two-strategy experiment on tasks "digit" (accuracy) and "depth" (mse, mae), recorded through the
 * real recorders. Final metrics:
 *   equal:  digit accuracy 0.90, depth mse 0.50, mae 0.55
 *   pcgrad: digit accuracy 0.93, depth mse 0.40, mae 0.50
 *   baseline: digit accuracy 0.92, depth mse 0.45, mae 0.50
 */
export function syntheticReport(): ExperimentReport {
  const run = (
    strategy: string,
    final: RunRecord['finalMetrics'],
    angle: number,
    conflictEvery: number,
    speed: number,
  ): RunRecord => {
    const conflicts = conflictRecorder();
    const history = historyRecorder();
    for (let step = 0; step < 60; step++) {
      const epoch = Math.floor(step / 12);
      const wDigit = 0.5 + 0.3 * Math.sin((speed * step) / 9);
      conflicts.onStepEnd({
        step,
        epoch,
        losses: {
          digit: 2.3 * Math.exp((-speed * step) / 20) + 0.1,
          depth: 1.2 * Math.exp((-speed * step) / 30) + 0.2,
        },
        weights: { digit: wDigit, depth: 1 - wDigit },
        totalLoss: 1,
        rows: 32,
      });
      if (step % 5 === 0) {
        // a Gramian from two unit-ish gradients at an angle that alternates around `angle`
        const t = ((step % conflictEvery === 0 ? angle + 40 : angle - 40) * Math.PI) / 180;
        const g: GradientStatsEvent = {
          step,
          epoch,
          tasks: ['digit', 'depth'],
          gramian: [
            [4, 2 * 0.5 * Math.cos(t)],
            [2 * 0.5 * Math.cos(t), 0.25],
          ],
          mode: 'parameters',
        };
        conflicts.onGradientStats(g);
      }
    }
    for (let epoch = 0; epoch < 5; epoch++) {
      history.onEpochEnd({
        epoch,
        trainLosses: { digit: 2 / (speed * epoch + 1), depth: 1 / (speed * epoch + 1) + 0.3 },
        validation: {
          digit: { accuracy: 0.5 + 0.08 * speed * epoch },
          depth: { mse: 1 / (speed * epoch + 1.5), mae: 0.9 - 0.07 * speed * epoch },
        },
        step: 12 * (epoch + 1),
        seconds: 0.5,
      });
    }
    return {
      strategy,
      tasks: ['digit', 'depth'],
      epochs: history.epochs(),
      conflicts: conflicts.summary(),
      finalMetrics: final,
      seconds: 3,
    };
  };
  return {
    title: 'Synthetic <digit & depth> report',
    description: 'Two strategies on a synthetic record.',
    createdAt: '2026-11-23T15:00:00Z',
    runs: [
      run('equal', { digit: { accuracy: 0.9 }, depth: { mse: 0.5, mae: 0.55 } }, 100, 2, 1),
      run('pcgrad', { digit: { accuracy: 0.93 }, depth: { mse: 0.4, mae: 0.5 } }, 70, 3, 1.25),
    ],
    baselines: { digit: { accuracy: 0.92 }, depth: { mse: 0.45, mae: 0.5 } },
  };
}
