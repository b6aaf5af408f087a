#!/usr/bin/env node
/* global process, console */
// Builds @tensorflow/tfjs-node's native addon without Google's storage host: the TensorFlow C API comes from PyPI's
// pinned `tensorflow-cpu` wheel (libtensorflow_cc.so.2 exports the TF_/TFE_ functions the addon calls). See the
// package README, "Native engine without internet", and LAB-NOTES §9.
//
//   node packages/backend/scripts/native.mjs [--force] [--check]      (root: `pnpm native`)
//
// What it does, in order — every step is skipped when its result is already there, so a second run takes seconds:
//  1. checks python3 + pip, a C++ compiler, make and Node's headers, and says which is missing;
//  2. downloads the pinned wheel with pip into the cache (MULTITASK_NATIVE_CACHE, else $XDG_CACHE_HOME or ~/.cache,
//     then /multitask-native) and checks its sha256;
//  3. extracts only the two shared libraries and the C API headers into the cache;
//  4. in each tfjs-node copy of the workspace, ADDS deps/include, deps/lib (hard links into the cache when it can,
//     copies otherwise) and the addon under lib/napi-v8 (built with node-pre-gyp/node-gyp against /usr's Node
//     headers). It never rewrites a file the package manager installed (tfjs-node's own scripts/install.js is not
//     run: it rewrites package.json while it works);
//  5. proves the addon loads, that tf.getBackend() is 'tensorflow', and that a gradient is right.
// `--check` only runs step 5 (exit 1 when the native engine does not work); `--force` rebuilds the addon.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pinned wheel: TensorFlow 2.21.0, CPU only, CPython 3.11 tag (only its libraries are used, not Python). */
const WHEEL = {
  project: 'tensorflow-cpu',
  version: '2.21.0',
  file: 'tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl',
  sha256: '2b847d217b02ee7731ed91431daf3250daa0196c3c94614d23be27232e6e5b6c',
  pythonVersion: '3.11',
  platforms: ['manylinux_2_27_x86_64'],
};
/** Members of the wheel the addon needs (prefix match under `tensorflow/`). */
const LIBS = ['libtensorflow_cc.so.2', 'libtensorflow_framework.so.2'];
const HEADER_PREFIXES = [
  'tensorflow/include/tensorflow/c/',
  'tensorflow/include/tensorflow/core/platform/ctstring',
  'tensorflow/include/tsl/platform/ctstring',
  'tensorflow/include/xla/tsl/c/',
];
const NAPI_VERSION = 8; // the highest N-API version tfjs-node 4.22 lists; Node 20 supports it.
const MARK_FILE = '.multitask-native.json';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const args = new Set(process.argv.slice(2));
const started = Date.now();

function log(text) {
  console.log(`[native] ${text}`);
}

function fail(text) {
  console.error(`[native] error: ${text}`);
  process.exit(1);
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', ...opts });
  return {
    ok: r.status === 0 && r.error === undefined,
    status: r.status,
    error: r.error,
    out: `${r.stdout ?? ''}${r.stderr ?? ''}`,
  };
}

function cacheDir() {
  if (process.env.MULTITASK_NATIVE_CACHE) return resolve(process.env.MULTITASK_NATIVE_CACHE);
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'multitask-native');
}

function checkPlatform() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(
      `this script builds the native engine for Linux x86-64 only (here: ${process.platform}-${process.arch}). ` +
        `Elsewhere tfjs-node's own install downloads a prebuilt addon when the machine can reach storage.googleapis.com.`,
    );
  }
}

function checkTools() {
  const python = process.env.PYTHON || 'python3';
  const py = run(python, ['-m', 'pip', '--version']);
  if (!py.ok) {
    const bare = run(python, ['--version']);
    if (!bare.ok)
      fail(
        `python3 was not found (tried "${python}"): install Python 3 (e.g. apt-get install python3 python3-pip) or set PYTHON=/path/to/python3.`,
      );
    fail(
      `pip is missing for ${python} (${bare.out.trim()}): install it (e.g. apt-get install python3-pip, or ${python} -m ensurepip).`,
    );
  }
  const cxx = process.env.CXX || 'g++';
  if (!run(cxx, ['--version']).ok) {
    fail(`no C++ compiler ("${cxx}" did not run): install one (e.g. apt-get install g++ make) or set CXX.`);
  }
  if (!run('make', ['--version']).ok) fail('make was not found: install it (e.g. apt-get install make).');
  return { python };
}

/** Node's headers: /usr/include/node on distribution builds; else node-gyp would download them (no internet). */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = resolve(dirname(process.execPath), '..');
  for (const dir of [prefix, '/usr', '/usr/local']) {
    if (existsSync(join(dir, 'include/node/node_api.h'))) return dir;
  }
  fail(
    `Node's C headers were not found (no include/node/node_api.h under ${prefix}, /usr or /usr/local): install them ` +
      `(e.g. apt-get install libnode-dev, or use the official Node tarball) or set npm_config_nodedir.`,
  );
}

function sha256(file) {
  return new Promise((ok, ko) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => ok(h.digest('hex')))
      .on('error', ko);
  });
}

async function ensureWheel(cache, python) {
  const dir = join(cache, 'wheels');
  const file = join(dir, WHEEL.file);
  if (existsSync(file) && (await sha256(file)) === WHEEL.sha256) return file;
  mkdirSync(dir, { recursive: true });
  log(
    `downloading ${WHEEL.project}==${WHEEL.version} (about 274 MB) from the Python package index with pip…`,
  );
  const platformArgs = WHEEL.platforms.flatMap((p) => ['--platform', p]);
  const r = spawnSync(
    python,
    [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--only-binary=:all:',
      '--python-version',
      WHEEL.pythonVersion,
      ...platformArgs,
      `${WHEEL.project}==${WHEEL.version}`,
      '-d',
      dir,
    ],
    { stdio: 'inherit' },
  );
  if (r.status !== 0 || !existsSync(file)) {
    fail(
      `pip could not download ${WHEEL.file} into ${dir} (exit ${r.status}). Check access to the package index (pip config list), or put the file there by hand (see the backend README, "Native engine without internet").`,
    );
  }
  const got = await sha256(file);
  if (got !== WHEEL.sha256) {
    rmSync(file);
    fail(`${WHEEL.file} has sha256 ${got}, expected ${WHEEL.sha256}: the file was removed; run again.`);
  }
  return file;
}

/** Extracts the libraries and headers into <cache>/tensorflow-<version>/{lib,include}; returns that directory. */
function ensureExtracted(cache, wheel, python) {
  const dest = join(cache, `tensorflow-${WHEEL.version}`);
  const stamp = join(dest, MARK_FILE);
  if (existsSync(stamp) && JSON.parse(readFileSync(stamp, 'utf8')).sha256 === WHEEL.sha256) return dest;
  log(`extracting the TensorFlow C API from the wheel into ${dest}…`);
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const script = `
import sys, zipfile, os, shutil
wheel, out, libs, prefixes = sys.argv[1], sys.argv[2], sys.argv[3].split(','), sys.argv[4].split(',')
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        n = info.filename
        if n.endswith('/'): continue
        if n.startswith('tensorflow/') and n[len('tensorflow/'):] in libs:
            target = os.path.join(out, 'lib', os.path.basename(n))
        elif any(n.startswith(p) for p in prefixes) and n.endswith('.h'):
            target = os.path.join(out, 'include', n[len('tensorflow/include/'):])
        else:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, 'wb') as dst: shutil.copyfileobj(src, dst, 1 << 22)
`;
  const r = run(python, ['-c', script, wheel, tmp, LIBS.join(','), HEADER_PREFIXES.join(',')]);
  if (!r.ok) fail(`extracting ${wheel} failed: ${r.out.trim()}`);
  for (const lib of LIBS) if (!existsSync(join(tmp, 'lib', lib))) fail(`${lib} is not in ${WHEEL.file}`);
  writeFileSync(join(tmp, MARK_FILE), JSON.stringify({ wheel: WHEEL.file, sha256: WHEEL.sha256 }, null, 2));
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return dest;
}

/** Every distinct tfjs-node directory the workspace's packages resolve. */
function tfjsNodeDirs() {
  const dirs = new Set();
  const owners = [join(root, 'package.json')];
  for (const group of ['packages', 'apps']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const pkg = join(base, name, 'package.json');
      if (existsSync(pkg)) owners.push(pkg);
    }
  }
  for (const owner of owners) {
    try {
      const pkgJson = createRequire(owner).resolve('@tensorflow/tfjs-node/package.json');
      dirs.add(realpathSync(dirname(pkgJson)));
    } catch {
      // this package does not see tfjs-node
    }
  }
  return [...dirs];
}

/** Adds `file` at `target`: a hard link to the cache when possible (no extra disk), else a copy. */
function place(file, target) {
  try {
    linkSync(file, target);
  } catch {
    copyFileSync(file, target);
  }
}

function copyTree(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const a = join(from, entry.name);
    const b = join(to, entry.name);
    if (entry.isDirectory()) copyTree(a, b);
    else place(a, b);
  }
}

function addonPath(pkgDir) {
  return join(pkgDir, `lib/napi-v${NAPI_VERSION}/tfjs_binding.node`);
}

/** Lays out deps/ the way tfjs-node's binding.gyp expects (only new files), then builds the addon. */
function buildIn(pkgDir, tfDir, nodedir) {
  const deps = join(pkgDir, 'deps');
  const mark = join(deps, MARK_FILE);
  const wanted = {
    tensorflow: WHEEL.version,
    sha256: WHEEL.sha256,
    napi: NAPI_VERSION,
    node: process.versions.modules,
  };
  if (!args.has('--force') && existsSync(addonPath(pkgDir)) && existsSync(mark)) {
    const have = JSON.parse(readFileSync(mark, 'utf8'));
    if (JSON.stringify(have) === JSON.stringify(wanted)) {
      log(`addon already built in ${pkgDir}`);
      return;
    }
  }
  const owned = (p) => existsSync(p) && !existsSync(mark);
  if (owned(deps) || owned(join(pkgDir, 'lib')) || owned(join(pkgDir, 'build'))) {
    fail(
      `${pkgDir} already has deps/, lib/ or build/ that this script did not make (tfjs-node's own install ran?): remove them or reinstall tfjs-node, then run again.`,
    );
  }
  // Only directories this script made (marked) are replaced.
  for (const d of ['deps', 'lib', 'build', `build-tmp-napi-v${NAPI_VERSION}`])
    rmSync(join(pkgDir, d), { recursive: true, force: true });
  copyTree(join(tfDir, 'include'), join(deps, 'include'));
  mkdirSync(join(deps, 'lib'), { recursive: true });
  for (const lib of LIBS) place(join(tfDir, 'lib', lib), join(deps, 'lib', lib));
  symlinkSync('libtensorflow_cc.so.2', join(deps, 'lib/libtensorflow.so'));
  symlinkSync('libtensorflow_framework.so.2', join(deps, 'lib/libtensorflow_framework.so'));
  writeFileSync(mark, JSON.stringify({ building: true }));

  const preGyp = createRequire(join(pkgDir, 'package.json')).resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp');
  log(`building the addon in ${pkgDir} (node-pre-gyp, about 30–60 s)…`);
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    [preGyp, 'install', '--build-from-source', `--napi_build_version=${NAPI_VERSION}`],
    {
      cwd: pkgDir,
      encoding: 'utf8',
      env: {
        ...process.env,
        npm_config_nodedir: nodedir,
        npm_config_build_from_source: 'true',
        JOBS: process.env.JOBS ?? '2',
      },
    },
  );
  if (r.status !== 0 || !existsSync(addonPath(pkgDir))) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-40).join('\n'));
    fail(`building tfjs_binding.node in ${pkgDir} failed (exit ${r.status}); the compiler output is above.`);
  }
  writeFileSync(mark, JSON.stringify(wanted, null, 2));
  log(
    `built ${addonPath(pkgDir)} (${(statSync(addonPath(pkgDir)).size / 1024).toFixed(0)} KB) in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
}

/** Loads tfjs-node in a fresh process and checks the backend and one gradient. */
function verify(pkgDir) {
  const probe = `
const tf = require(${JSON.stringify(pkgDir)});
const backend = tf.getBackend();
const g = tf.grad((x) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, 2, 3]));
const got = Array.from(g.dataSync());
const version = tf.backend().binding && tf.backend().binding.TF_Version;
console.log(JSON.stringify({ backend, got, version, tfjs: tf.version['tfjs-node'] }));
`;
  const r = run(process.execPath, ['-e', probe], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
  const line = r.out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!r.ok || line === undefined) return { ok: false, why: r.out.trim().split('\n').slice(-5).join(' | ') };
  const res = JSON.parse(line);
  const right = res.got.length === 3 && res.got.every((v, i) => Math.abs(v - 2 * (i + 1)) < 1e-6);
  if (res.backend !== 'tensorflow' || !right) {
    return { ok: false, why: `backend ${res.backend}, d/dx sum(x²) at [1,2,3] = ${JSON.stringify(res.got)}` };
  }
  return {
    ok: true,
    why: `tf.getBackend() = tensorflow, TensorFlow ${res.version ?? '?'} under tfjs-node ${res.tfjs}, d/dx sum(x²) at [1,2,3] = [${res.got.join(', ')}]`,
  };
}

async function main() {
  checkPlatform();
  const dirs = tfjsNodeDirs();
  if (dirs.length === 0) {
    fail(
      'no package of this workspace resolves @tensorflow/tfjs-node: run `pnpm install` first (it links tfjs-node without building it).',
    );
  }
  if (args.has('--check')) {
    let ok = true;
    for (const d of dirs) {
      const v = verify(d);
      ok &&= v.ok;
      log(`${v.ok ? 'ok' : 'NOT WORKING'}: ${d}: ${v.why}`);
    }
    process.exit(ok ? 0 : 1);
  }
  const needsBuild =
    args.has('--force') ||
    dirs.some((d) => !existsSync(addonPath(d)) || !existsSync(join(d, 'deps', MARK_FILE)));
  let tfDir;
  let nodedir;
  if (needsBuild) {
    const { python } = checkTools();
    nodedir = nodeDir();
    const cache = cacheDir();
    const wheel = await ensureWheel(cache, python);
    tfDir = ensureExtracted(cache, wheel, python);
  }
  for (const d of dirs) {
    if (needsBuild) buildIn(d, tfDir, nodedir);
    const v = verify(d);
    if (!v.ok) fail(`the addon in ${d} does not work: ${v.why} — run again with --force to rebuild it.`);
    log(`ok: ${v.why}`);
  }
  log(`native engine ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await main();
