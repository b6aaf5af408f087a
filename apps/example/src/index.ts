/**
 * The multitask example application: config parsing and the experiment runner behind the `multitask` CLI.
 * @packageDocumentation
 */
export { loadConfig, parseConfig } from './config.ts';
export type { ExperimentConfig, PartSpec, TaskSpec } from './config.ts';
export { runExperiment } from './experiment.ts';
export type { ExperimentResult, RunHooks } from './experiment.ts';
export { formatResult } from './format.ts';
export { main } from './main.ts';
export type { CliIo } from './main.ts';
