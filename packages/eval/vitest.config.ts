import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// isolate: false reuses one worker's module cache across test files, so tfjs and vega load once per worker
// instead of once per file (the suite is ~3× faster on a loaded 2-core machine). The files share no state.
export default mergeConfig(shared, defineProject({ test: { name: '@multitask/eval', isolate: false } }));
