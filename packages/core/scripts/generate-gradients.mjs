/* global process, console */
// Produces src/generated/tfjs-gradients.ts from @tensorflow/tfjs-core's own gradient definitions
// (dist/gradients/*_grad.js, the list in dist/register_all_gradients.js).
//
// Why: tfjs-core registers no gradients, and its register_all_gradients.js cannot be loaded by Node's ESM
// loader (its relative imports have no file extensions). Here the gradient modules are bundled into one file
// whose only import is the public `@tensorflow/tfjs-core` entry point, so the result runs wherever tfjs-core
// does (Node ESM, bundlers, browsers) and shares the one engine instance.
//
// Every internal tfjs-core import of a gradient module is rewritten to the public API where tfjs-core
// exports the same binding (ops, kernel names, the util/backend_util/slice_util namespaces, ENGINE through
// engine()); the few internal helpers that are not public (e.g. the maxPoolGrad op) are bundled. The
// script fails if a stateful module of tfjs-core (engine, environment, tensor, registries) would be bundled,
// because a second copy of those would not share the engine's state.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '..');
const outFile = join(packageDir, 'src', 'generated', 'tfjs-gradients.ts');
const require = createRequire(join(packageDir, 'package.json'));
const corePackageJson = require.resolve('@tensorflow/tfjs-core/package.json');
const coreVersion = JSON.parse(readFileSync(corePackageJson, 'utf8')).version;
const dist = join(dirname(corePackageJson), 'dist');
const PUBLIC = '@tensorflow/tfjs-core';

const internalPath = (importer, from) =>
  relative(dist, resolve(dirname(importer), `${from}.js`))
    .split(sep)
    .join('/');
const read = (file) => readFileSync(join(dist, file), 'utf8');
const importRe = /^import\s+(\*\s+as\s+\w+|\{[^}]*\})\s+from\s+'([^']+)';/gm;
const named = (clause) =>
  clause
    .replace(/[{}]/g, '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [imported, local = imported] = s.split(/\s+as\s+/);
      return { imported, local };
    });

// Gradient configs, in tfjs-core's own registration list.
const configs = [...read('register_all_gradients.js').matchAll(importRe)]
  .filter(([, , from]) => from.startsWith('./gradients/'))
  .flatMap(([, clause, from]) =>
    named(clause).map(({ imported }) => ({ name: imported, file: `${from.slice(2)}.js` })),
  );
if (configs.length < 100)
  throw new Error(`expected the gradient list of tfjs-core, found ${configs.length} entries`);

// What the public entry point re-exports, per internal module (dist-relative path → names, or ALL).
const ALL = Symbol('all');
const publicNames = new Map();
for (const file of ['base.js', 'ops/ops.js']) {
  for (const [, clause, from] of read(file).matchAll(/^export\s+(\{[^}]*\}|\*)\s+from\s+'([^']+)';/gm)) {
    const target = internalPath(join(dist, file), from);
    if (clause === '*') publicNames.set(target, ALL);
    else if (publicNames.get(target) !== ALL) {
      publicNames.set(
        target,
        new Set([...(publicNames.get(target) ?? []), ...named(clause).map((n) => n.imported)]),
      );
    }
  }
}
publicNames.set('base.js', ALL); // index.js is `export * from './base'`
// Internal modules whose exports are all reachable through a public namespace object of tfjs-core.
const namespaces = new Map([
  ['util.js', 'util'],
  ['util_base.js', 'util'],
  ['ops/slice_util.js', 'slice_util'],
  ['ops/axis_util.js', 'backend_util'],
  ['ops/broadcast_util.js', 'backend_util'],
  ['ops/conv_util.js', 'backend_util'],
  ['ops/selu_util.js', 'backend_util'],
  ['backends/backend_util.js', 'backend_util'],
]);
// tfjs-core modules that hold state: a bundled second copy would not share it.
const stateful = [
  'engine.js',
  'environment.js',
  'tensor.js',
  'kernel_registry.js',
  'global_util.js',
  'globals.js',
];

/** Rewrites the internal imports of one tfjs-core module to the public entry point where it has them. */
function rewrite(code, id) {
  let counter = 0;
  return code.replace(importRe, (statement, clause, from) => {
    if (!from.startsWith('.')) return statement;
    const target = internalPath(id, from);
    if (clause.startsWith('*')) {
      const ns = namespaces.get(target);
      return ns ? `import { ${ns} as ${clause.split(/\s+as\s+/)[1]} } from '${PUBLIC}';` : statement;
    }
    const names = named(clause);
    if (target === 'engine.js' && names.every((n) => n.imported === 'ENGINE')) {
      const local = `__engine${counter++}`;
      return `import { engine as ${local} } from '${PUBLIC}';\nconst ${names[0].local} = ${local}();`;
    }
    const exported = publicNames.get(target);
    if (target === 'tensor.js' && names.length === 1 && names[0].imported === 'getGlobalTensorClass') {
      // The one Tensor class of the engine; tfjs-core's public `Tensor` is that class.
      const local = `__Tensor${counter++}`;
      return `import { Tensor as ${local} } from '${PUBLIC}';\nconst ${names[0].local} = () => ${local};`;
    }
    if (exported === ALL || (exported && names.every((n) => exported.has(n.imported))))
      return `import ${clause} from '${PUBLIC}';`;
    const ns = namespaces.get(target);
    if (ns) {
      const local = `__${ns}${counter++}`;
      const picks = names
        .map((n) => (n.imported === n.local ? n.local : `${n.imported}: ${n.local}`))
        .join(', ');
      return `import { ${ns} as ${local} } from '${PUBLIC}';\nconst { ${picks} } = ${local};`;
    }
    return statement;
  });
}

const entryId = '\0multitask-gradients-entry';
const entry = [
  ...configs.map((c) => `import { ${c.name} } from ${JSON.stringify(join(dist, c.file))};`),
  `const configs = [${configs.map((c) => c.name).join(', ')}];`,
  'export { configs };',
].join('\n');

const bundle = await rolldown({
  input: entryId,
  external: [PUBLIC],
  treeshake: { moduleSideEffects: false },
  logLevel: 'warn',
  plugins: [
    {
      name: 'multitask-tfjs-gradients',
      resolveId(source, importer) {
        if (source === entryId) return entryId;
        if (source === PUBLIC) return { id: PUBLIC, external: true };
        if (importer && source.startsWith('.')) return resolve(dirname(importer), `${source}.js`);
        return null;
      },
      load(id) {
        if (id === entryId) return entry;
        if (id.startsWith(dist))
          return rewrite(readFileSync(id, 'utf8').replace(/\/\/# sourceMappingURL=.*$/m, ''), id);
        return null;
      },
    },
  ],
});
const { output } = await bundle.generate({
  format: 'esm',
  comments: { legal: false, annotation: true, jsdoc: false },
});
await bundle.close();
const chunk = output[0];
const bundled = chunk.moduleIds
  .filter((id) => id.startsWith(dist))
  .map((id) => relative(dist, id).split(sep).join('/'));
const leaked = bundled.filter((file) => stateful.includes(file));
if (process.env.DEBUG_GRADIENTS) console.log(bundled.filter((f) => !f.startsWith('gradients/')).join('\n'));
if (leaked.length > 0) {
  throw new Error(
    `generate-gradients: stateful tfjs-core modules would be copied into the bundle: ${leaked.join(', ')}`,
  );
}
const internals = bundled.filter((file) => !file.startsWith('gradients/'));

const header = `// @ts-nocheck
/* eslint-disable */
// Generated by scripts/generate-gradients.mjs from @tensorflow/tfjs-core ${coreVersion}'s gradient definitions
// (${configs.length} gradient configs). Do not edit; the build regenerates it.
// Copyright 2020 Google LLC, Apache License 2.0 (the gradient functions are tfjs-core's own code).
// Bundled non-public tfjs-core helpers: ${internals.join(', ') || 'none'}.
`;
mkdirSync(dirname(outFile), { recursive: true });
const exportLine = /^export \{ configs \};?\s*$/m;
if (!exportLine.test(chunk.code))
  throw new Error('generate-gradients: unexpected bundle shape (no `export { configs }`)');
const body = chunk.code.replace(exportLine, '');
const typed = `
/** tfjs-core's version these gradients were generated from. */
export const TFJS_CORE_VERSION: string = ${JSON.stringify(coreVersion)};
/** Every gradient config tfjs-core defines, in its own registration order. */
export const gradConfigs: readonly GradConfig[] = configs;
`;
writeFileSync(outFile, `${header}import type { GradConfig } from '${PUBLIC}';\n${body}${typed}`);
console.log(
  `generate-gradients: ${configs.length} gradient configs from tfjs-core ${coreVersion} → ${relative(packageDir, outFile)} (${(chunk.code.length / 1024).toFixed(0)} KB; bundled helpers: ${internals.length})`,
);
