#!/usr/bin/env node
/* global process, console */
// Runnable docs: extracts every TypeScript block of the READMEs (root, packages, apps) and docs/guides,
// and every `@example` of the packages' TSDoc, then type-checks them all and runs the complete ones under plain
// `node` (transpiled by TypeScript, no vitest, no loader hooks) against the built packages.
//
// A block whose info string says `fragment` (```ts fragment) is type-checked only, appended to the blocks
// before it in the same document (so it may use their variables). Every other block is a program: it must
// import what it uses, type-check and run. Prints "doc examples: N of N passed"; any failure exits 1.
//
// Usage: node .ci/doc-examples.mjs [--filter <substring>] [--keep]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Markdown documents whose code blocks are checked. */
export function markdownFiles() {
  const files = ['README.md'];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      files.push(join(group, name, 'README.md'));
    }
  }
  for (const guide of readdirSync(join(root, 'docs', 'guides'))) {
    if (guide.endsWith('.md')) files.push(join('docs', 'guides', guide));
  }
  return files.filter((f) => {
    try {
      return statSync(join(root, f)).isFile();
    } catch {
      return false;
    }
  });
}

const FENCE = /^( *)```(ts|typescript)\b([^\n]*)\n([\s\S]*?)^\1```[ \t]*$/gm;
const lineOf = (text, index) => text.slice(0, index).split('\n').length;

/** The TypeScript blocks of one Markdown document. */
export function markdownExamples(file) {
  const text = readFileSync(join(root, file), 'utf8');
  const out = [];
  for (const m of text.matchAll(FENCE)) {
    const fragment = /\bfragment\b/.test(m[3]);
    const code = m[4].replace(new RegExp(`^${m[1]}`, 'gm'), '');
    out.push({ source: `${file}:${lineOf(text, m.index) + 1}`, doc: file, code, fragment });
  }
  return out;
}

/** Source files of the publishable packages (not tests, not generated code). */
function sourceFiles(dir, acc = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'generated') sourceFiles(path, acc);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) acc.push(path);
  }
  return acc;
}

/** Every `@example` of the TSDoc comments in packages/<pkg>/src, with its fenced TypeScript code. */
export function tsdocExamples() {
  const out = [];
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const pkgJson = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
    if (pkgJson.private) continue;
    for (const file of sourceFiles(join(root, 'packages', pkg, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
        const body = comment[0]
          .split('\n')
          .map((l) => l.replace(/^\s*\/?\*+\/?\s?/, ''))
          .join('\n');
        const at = body.indexOf('@example');
        if (at < 0) continue;
        const rel = relative(root, file);
        const line = lineOf(text, comment.index) + lineOf(body, at) - 1;
        const rest = body.slice(at);
        const m = /```(ts|typescript)\b([^\n]*)\n([\s\S]*?)```/.exec(rest);
        if (!m) {
          out.push({
            source: `${rel}:${line}`,
            doc: rel,
            code: '',
            fragment: false,
            problem: 'an @example without a ```ts code block',
          });
          continue;
        }
        out.push({
          source: `${rel}:${line}`,
          doc: `${rel}:${line}`,
          code: m[3],
          fragment: /\bfragment\b/.test(m[2]),
        });
      }
    }
  }
  return out;
}

/** All examples, with fragments expanded to their document's preceding blocks. */
export function collectExamples() {
  const all = [];
  for (const file of markdownFiles()) {
    const blocks = markdownExamples(file);
    blocks.forEach((b, i) => {
      const context = b.fragment
        ? blocks
            .slice(0, i)
            .map((p) => p.code)
            .join('\n')
        : '';
      all.push({ ...b, program: b.fragment ? `${context}\n${b.code}` : b.code });
    });
  }
  for (const e of tsdocExamples()) all.push({ ...e, program: e.code });
  for (const e of all) {
    if (!e.problem && !e.fragment && !/^\s*import\s/m.test(e.code)) {
      e.problem = 'a runnable example must import what it uses (mark a partial one ```ts fragment)';
    }
  }
  return all;
}

function typescript() {
  return createRequire(join(root, 'docs', 'package.json'))('typescript');
}

function hasNodeTypes(dir) {
  try {
    createRequire(join(dir, 'x.js')).resolve('@types/node/package.json');
    return true;
  } catch {
    return false;
  }
}

/** Type-checks examples as modules in `dir` (resolved through `dir`'s node_modules ancestors). */
export function typecheck(examples, dir, moduleResolution = 'nodenext') {
  const ts = typescript();
  const files = examples.map((e, i) => {
    const file = join(dir, `example-${String(i).padStart(3, '0')}.ts`);
    writeFileSync(file, e.program);
    return file;
  });
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: hasNodeTypes(dir) ? ['node'] : [],
    moduleDetection: ts.ModuleDetectionKind.Force,
    ...(moduleResolution === 'bundler'
      ? { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }
      : { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }),
    noUnusedLocals: false,
  };
  const program = ts.createProgram(files, options);
  const byFile = new Map(files.map((f) => [f, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const where = d.file ? `line ${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : '';
    const list = d.file ? byFile.get(d.file.fileName) : undefined;
    if (list) list.push(`${where}${msg}`);
    else for (const l of byFile.values()) l.push(msg);
  }
  return files.map((f) => byFile.get(f));
}

/** Transpiles one example to an ES module and runs it under plain node in a scratch working directory. */
export function run(example, dir, index, timeoutMs = 180_000) {
  const ts = typescript();
  const js = ts.transpileModule(example.program, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: false,
    },
  }).outputText;
  const file = join(dir, `example-${String(index).padStart(3, '0')}.mjs`);
  writeFileSync(file, js);
  const cwd = mkdtempSync(join(tmpdir(), 'multitask-example-'));
  const started = Date.now();
  const r = spawnSync(process.execPath, [file], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  rmSync(cwd, { recursive: true, force: true });
  const ms = Date.now() - started;
  if (r.status === 0) return { ok: true, ms, stdout: r.stdout };
  const why = r.error ? String(r.error) : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}`;
  return {
    ok: false,
    ms,
    message: `${why}\n${(r.stderr || r.stdout || '').trim().split('\n').slice(-12).join('\n')}`,
  };
}

/** Checks the examples in `dir` (whose node_modules resolve every package they import). Returns failures. */
export function check(examples, dir, log = console.log) {
  const failures = [];
  const checkable = examples.filter((e) => !e.problem);
  for (const e of examples.filter((x) => x.problem)) failures.push({ source: e.source, message: e.problem });
  const diagnostics = typecheck(checkable, dir);
  checkable.forEach((e, i) => {
    if (diagnostics[i].length > 0) {
      failures.push({ source: e.source, message: `type errors:\n  ${diagnostics[i].join('\n  ')}` });
      return;
    }
    if (e.fragment) {
      log(`  ✓ ${e.source} (fragment, type-checked)`);
      return;
    }
    const r = run(e, dir, i);
    if (r.ok) log(`  ✓ ${e.source} (ran in ${(r.ms / 1000).toFixed(1)} s)`);
    else failures.push({ source: e.source, message: r.message });
  });
  return failures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const filter = args.includes('--filter') ? args[args.indexOf('--filter') + 1] : undefined;
  const examples = collectExamples().filter((e) => !filter || e.source.includes(filter));
  // Examples resolve packages through docs/node_modules: every @multitask package (built dist) and tfjs.
  const dir = join(root, 'docs', '.examples');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const failures = check(examples, dir);
  if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  for (const f of failures) console.log(`  ✗ ${f.source}: ${f.message}`);
  const passed = examples.length - failures.length;
  const runnable = examples.filter((e) => !e.fragment).length;
  console.log(
    `doc examples: ${passed} of ${examples.length} passed (${runnable} programs run under plain node, ${examples.length - runnable} fragments type-checked) in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  process.exit(failures.length === 0 ? 0 : 1);
}
