import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { isMultitaskError } from '@multitask/core';
import { afterAll, describe, expect, test } from 'vitest';
import { main, parseConfig } from '../src/index.ts';

const configs = join(dirname(fileURLToPath(import.meta.url)), '..', 'configs');
const base = JSON.parse(readFileSync(join(configs, 'penguins.json'), 'utf8')) as Record<string, unknown>;
const dir = mkdtempSync(join(tmpdir(), 'multitask-config-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Path = readonly (string | number)[];

function pathText(path: Path): string {
  return path.reduce<string>(
    (text, p) => (typeof p === 'number' ? `${text}[${p}]` : text === '' ? p : `${text}.${p}`),
    '',
  );
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function setAt(root: unknown, path: Path, value: unknown): void {
  let o = root as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) {
    o[p] ??= {};
    o = o[p] as Record<string | number, unknown>;
  }
  o[path[path.length - 1]!] = value;
}

/** Fields of the base config and values each must refuse (types, nulls, extremes, out-of-range). */
const BAD_VALUES: readonly [Path, readonly unknown[]][] = [
  [['name'], [null, 3, '', '  ', [], {}]],
  [['dataset'], [null, 'penguins', [], 1]],
  [
    ['dataset', 'name'],
    [null, 'penguin', 'iris', 1, ''],
  ],
  [
    ['dataset', 'options'],
    [null, [], 'x', 1],
  ],
  [
    ['dataset', 'options', 'test'],
    ['0.5', 0, 1, -0.1, 2, null, Infinity, NaN, true, [0.2]],
  ],
  [
    ['dataset', 'options', 'seed'],
    ['1', 0, -1, 1.5, 1e16, null, Infinity],
  ],
  [
    ['dataset', 'options', 'validation'],
    [-0.1, 1, '0.1', null, 0.9],
  ],
  [['backbone'], [null, 'mlp', []]],
  [
    ['backbone', 'type'],
    ['mpl', null, 7, ''],
  ],
  [
    ['backbone', 'options'],
    [null, [1], 'x'],
  ],
  [['tasks'], [null, [], {}, 'species', [null], [1], ['species']]],
  [
    ['tasks', 0, 'name'],
    [null, '', 3],
  ],
  [
    ['tasks', 2, 'name'],
    ['sex', 'species'],
  ],
  [
    ['tasks', 0, 'type'],
    ['classifcation', null, 1, 'ranking'],
  ],
  [
    ['tasks', 0, 'options'],
    [null, [], 'x'],
  ],
  [
    ['tasks', 0, 'metrics'],
    ['accuracy', null, [1], ['acuracy'], ['mse'], [null], {}],
  ],
  [
    ['tasks', 2, 'metrics'],
    [['accuracy'], ['f1'], ['top-3-accuracy']],
  ],
  [['strategy'], [null, 'static', []]],
  [
    ['strategy', 'name'],
    ['statc', null, 0, ''],
  ],
  [
    ['strategy', 'options'],
    [null, 'x', [1], { weights: { specis: 1 } }, { weights: { species: -1 } }, { weights: { species: '1' } }],
  ],
  [['optimizer'], [null, 'adam', []]],
  [
    ['optimizer', 'name'],
    ['adamw', null, 1, 'ADAM'],
  ],
  [
    ['optimizer', 'learningRate'],
    [null, 0, -0.1, Infinity, -Infinity, NaN, '0.01', Number.MAX_VALUE * 10, 1e7, [0.1]],
  ],
  [['training'], [null, 'x', []]],
  [
    ['training', 'epochs'],
    [null, 0, -1, 1.5, '10', Number.MAX_VALUE * 10, 1e7, true],
  ],
  [
    ['training', 'batchSize'],
    [null, 0, 2.5, '32', 1e9],
  ],
  [
    ['training', 'seed'],
    [null, 0, -1, 1e16, 2 ** 53, '1', 0.5],
  ],
  [
    ['training', 'gradientMode'],
    ['params', null, 1],
  ],
  [
    ['training', 'headGradients'],
    ['weigthed', null, true],
  ],
  [
    ['training', 'diagnosticsEvery'],
    [-1, 0.5, null, '5'],
  ],
  [['backend'], ['gpu', null, 1, 'WASM']],
];

/** Every object path of the base config whose keys are checked (not free-form part options). */
const KEYED: readonly Path[] = [
  [],
  ['dataset'],
  ['dataset', 'options'],
  ['backbone'],
  ['tasks', 0],
  ['tasks', 1],
  ['tasks', 2],
  ['strategy'],
  ['optimizer'],
  ['training'],
];
const KNOWN: Readonly<Record<string, readonly string[]>> = {
  '': ['name', 'dataset', 'backbone', 'tasks', 'strategy', 'optimizer', 'training', 'backend', '$comment'],
  dataset: ['name', 'options'],
  'dataset.options': ['seed', 'test', 'validation'],
  backbone: ['type', 'options'],
  'tasks[0]': ['name', 'type', 'options', 'metrics'],
  'tasks[1]': ['name', 'type', 'options', 'metrics'],
  'tasks[2]': ['name', 'type', 'options', 'metrics'],
  strategy: ['name', 'options'],
  optimizer: ['name', 'learningRate'],
  training: ['epochs', 'batchSize', 'seed', 'gradientMode', 'headGradients', 'diagnosticsEvery'],
};

/** A typo of a known key: a dropped, doubled, swapped or changed letter (never a known key itself). */
const typo = fc
  .tuple(
    fc.constantFrom(...KEYED),
    fc.nat(),
    fc.nat(),
    fc.constantFrom('drop', 'double', 'swap', 'change', 'case', 'extra'),
  )
  .map(([path, k, at, kind]) => {
    const known = KNOWN[pathText(path)]!.filter((x) => x !== '$comment');
    const key = known[k % known.length]!;
    const i = at % key.length;
    const typoed =
      kind === 'drop'
        ? key.slice(0, i) + key.slice(i + 1)
        : kind === 'double'
          ? key.slice(0, i) + key[i]! + key.slice(i)
          : kind === 'swap' && i + 1 < key.length
            ? key.slice(0, i) + key[i + 1]! + key[i]! + key.slice(i + 2)
            : kind === 'case'
              ? key.toUpperCase()
              : kind === 'extra'
                ? `${key}_`
                : key.slice(0, i) + (key[i] === 'x' ? 'y' : 'x') + key.slice(i + 1);
    return { path, key, typoed: typoed === key ? `${key}s` : typoed };
  })
  .filter(({ path, typoed }) => !KNOWN[pathText(path)]!.includes(typoed));

function rejection(raw: unknown): { error: unknown } {
  try {
    parseConfig(raw, 'fuzz.json');
    return { error: undefined };
  } catch (e) {
    return { error: e };
  }
}

function expectConfigError(error: unknown, field: string): void {
  if (!isMultitaskError(error))
    throw new Error(`expected a MultitaskError for ${field}, got ${String(error)}`);
  expect(error.code).toBe('INVALID_CONFIG');
  expect(error.message).toContain(`fuzz.json: ${field}`);
  expect(error.details.field).toBe(field);
}

describe('config fuzzing (fast-check, seeded): every invalid config a MultitaskError naming the JSON path', () => {
  test('≥ 1,000 generated invalid configs (typos, wrong types, nulls, extremes) are rejected', () => {
    const counts = { typos: 0, values: 0, cli: 0 };
    fc.assert(
      fc.property(
        typo,
        fc.jsonValue({ maxDepth: 1 }),
        fc.boolean(),
        ({ path, key, typoed }, value, rename) => {
          const c = clone(base);
          const parent =
            path.length === 0
              ? c
              : (path.reduce<unknown>((o, p) => (o as Record<string | number, unknown>)[p], c) as Record<
                  string,
                  unknown
                >);
          if (parent[key] !== undefined && rename) {
            parent[typoed] = parent[key];
            Reflect.deleteProperty(parent, key);
          } else parent[typoed] = value;
          const field = pathText([...path, typoed]);
          const { error } = rejection(c);
          expectConfigError(error, field);
          expect((error as Error).message).toMatch(/is not a known field/);
          counts.typos++;
        },
      ),
      { seed: 1313, numRuns: 600 },
    );
    const cases = BAD_VALUES.flatMap(([path, values]) => values.map((v) => [path, v] as const));
    fc.assert(
      fc.property(fc.constantFrom(...cases), fc.boolean(), ([path, value], viaText) => {
        const c = clone(base);
        setAt(c, path, value);
        // Through JSON text too, as a file is read: 1e999 becomes Infinity, NaN and Infinity become null.
        const raw: unknown = viaText ? JSON.parse(JSON.stringify(c)) : c;
        const { error } = rejection(raw);
        if (!isMultitaskError(error))
          throw new Error(`${pathText(path)} = ${JSON.stringify(value)} was not refused (${String(error)})`);
        expect(error.code).toBe('INVALID_CONFIG');
        // The error names the field or one inside it (a bad element of an array, a key of an object).
        const field = String(error.details.field);
        const at = pathText(path);
        expect(
          field === at || field.startsWith(`${at}.`) || field.startsWith(`${at}[`) || at.startsWith(field),
          `${field} vs ${at}`,
        ).toBe(true);
        expect(error.message).toContain(`fuzz.json: ${field}`);
        counts.values++;
      }),
      { seed: 1314, numRuns: 600 },
    );
    console.log(
      `config fuzzing: ${counts.typos} configs with an unknown key and ${counts.values} with a bad value rejected, each naming its JSON path`,
    );
    expect(counts.typos + counts.values).toBeGreaterThanOrEqual(1000);
  });

  test('through the CLI: exit code 1, one line naming the file and the field, no stack trace, no training', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BAD_VALUES), fc.nat(), async ([path, values], k) => {
        const c = clone(base);
        setAt(c, path, values[k % values.length]);
        const file = join(dir, `bad-${n}.json`);
        writeFileSync(file, JSON.stringify(c));
        let out = '';
        let err = '';
        const code = await main(['train', '--config', file], {
          stdout: (t) => (out += t),
          stderr: (t) => (err += t),
        });
        expect(code).toBe(1);
        expect(out).toBe('');
        expect(err).toMatch(
          new RegExp(`^multitask: \\[multitask\\] ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\S+ `),
        );
        expect(err.trim().split('\n')).toHaveLength(1);
        expect(err).not.toMatch(/\n\s+at /);
        n++;
      }),
      { seed: 1315, numRuns: 60 },
    );
    console.log(`config fuzzing: ${n} invalid config files refused by \`multitask train\` before training`);
  });

  test('options a part does not understand are refused before training, naming the nearest option', async () => {
    const cases: [(c: Record<string, unknown>) => void, RegExp][] = [
      [
        (c) => ((c.backbone as { options: Record<string, unknown> }).options.dropuot = 0.1),
        /backbone\.options\.dropuot is not an option of this part — did you mean "dropout"\?/,
      ],
      [
        (c) => ((c.tasks as { options: Record<string, unknown> }[])[0]!.options.numClases = 3),
        /tasks\[0\]\.options\.numClases is not an option of this part — did you mean "numClasses"\?/,
      ],
      [
        (c) => (c.strategy = { name: 'static', options: { weigths: { species: 1 } } }),
        /strategy\.options\.weigths is not an option of this part — did you mean "weights"\?/,
      ],
    ];
    for (const [edit, message] of cases) {
      const c = clone(base);
      c.backend = 'cpu';
      edit(c);
      const file = join(dir, 'options.json');
      writeFileSync(file, JSON.stringify(c));
      let out = '';
      let err = '';
      const code = await main(['train', '--config', file], {
        stdout: (t) => (out += t),
        stderr: (t) => (err += t),
      });
      expect(code).toBe(1);
      expect(err).toMatch(message);
      expect(out).not.toMatch(/epoch/);
    }
  });

  test('the reported typos and values', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form edits of a parsed JSON file
    type Loose = Record<string, any>;
    const edit = (f: (c: Loose) => void): unknown => {
      const c = clone(base) as Loose;
      f(c);
      return c;
    };
    const message = (raw: unknown): string => (rejection(raw).error as Error).message;
    expect(message(edit((c) => (c.trainig = c.training)))).toMatch(
      /fuzz\.json: trainig is not a known field — did you mean "training"\?/,
    );
    expect(message(edit((c) => (c.training.epoch = 3)))).toMatch(
      /training\.epoch is not a known field — did you mean "epochs"\?/,
    );
    expect(message(edit((c) => (c.tasks[0].metric = ['accuracy'])))).toMatch(
      /tasks\[0\]\.metric is not a known field — did you mean "metrics"\?/,
    );
    expect(message(edit((c) => (c.training.epochs = null)))).toMatch(
      /training\.epochs must be an integer ≥ 1 .*\(got null\)/,
    );
    expect(message(edit((c) => (c.dataset.options.test = '0.5')))).toMatch(
      /dataset\.options\.test must be a finite number > 0 and < 1 \(got "0\.5"\)/,
    );
    expect(message(edit((c) => (c.dataset.options.test = 0)))).toMatch(
      /dataset\.options\.test must be a finite number > 0/,
    );
    expect(
      message(edit((c) => (c.strategy = { name: 'static', options: { weights: { specis: 2 } } }))),
    ).toMatch(
      /strategy\.options\.weights\.specis names no task of this config: "specis" — did you mean "species"\?/,
    );
    expect(
      message(JSON.parse(JSON.stringify(base).replace('"learningRate":0.01', '"learningRate":1e999'))),
    ).toMatch(/optimizer\.learningRate must be a finite number > 0 and ≤ 1000000 \(got Infinity\)/);
    expect(message(edit((c) => (c.tasks[2].metrics = ['accuracy'])))).toMatch(
      /tasks\[2\]\.metrics\[0\] "accuracy" does not apply to a regression task — use one of mse, rmse, mae, r2/,
    );
    expect(rejection(edit((c) => (c.$comment = 'fine'))).error).toBeUndefined();
    // Binary and multi-label tasks get default metrics that exist.
    const binary = parseConfig(
      edit((c) => c.tasks.push({ name: 'flag', type: 'binary' })),
      'ok.json',
    );
    expect(binary.tasks[3]!.metrics).toBeUndefined();
  });
});
