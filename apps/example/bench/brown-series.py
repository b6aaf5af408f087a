#!/usr/bin/env python3
"""The Brown comparison (issue 15): multi-task (static, uncertainty, GradNorm, MGDA) vs single-task runs on
configs/brown.json, run by run, resumable, with the raw results written to docs/results/brown.json.

Python 3 standard library only. Run from anywhere (build the CLI first):

    python3 apps/example/bench/brown-series.py              # 12 runs, skipping those already recorded
    python3 apps/example/bench/brown-series.py --dry-run    # list the runs and their commands, run nothing
    python3 apps/example/bench/brown-series.py --summary    # print the Markdown table of docs/results/brown.json

The runs: static and both single-task baselines (pos alone, genre alone; strategy static, same trunk and
budget) over seeds 1, 2, 3, and uncertainty, GradNorm and MGDA over seed 1 — seed 1's six runs first, so that a
partial series already holds one complete comparison. Each run is one `multitask train ... --out DIR --json`
(with `--resume`, so an interrupted run continues from its last epoch checkpoint); a run recorded in the results
file is skipped, so rerunning the same command continues the series. Every finished run is written into the
results file at once (atomically) with its command, the commit, the backend, and its wall and CPU time.
"""
import argparse
import concurrent.futures
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

from series import now_iso, read_json, write_json_atomic  # the script's directory is on sys.path

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(APP))
CLI = os.path.join(APP, "dist", "cli.js")
TASKS = ["pos", "genre"]
METRIC = {"pos": "token-accuracy", "genre": "accuracy"}
# (row, seeds): seed 1 of every row first.
ROWS = ["static", "single-genre", "single-pos", "uncertainty", "gradnorm", "mgda"]
SEEDS = {"single-pos": [1, 2, 3], "single-genre": [1, 2, 3], "static": [1, 2, 3], "uncertainty": [1],
         "gradnorm": [1], "mgda": [1]}
ROW_NAMES = {"single-pos": "single task (pos)", "single-genre": "single task (genre)", "static": "static (equal)",
             "uncertainty": "uncertainty", "gradnorm": "GradNorm", "mgda": "MGDA-UB"}


def git_commit():
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        # Only code and configs count as changes (this series rewrites docs/results/brown.json as it goes).
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no", "--",
                                "apps/example/src", "apps/example/configs", "packages/*/src"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def rel(path):
    a = os.path.abspath(path)
    return os.path.relpath(a, REPO) if a.startswith(REPO + os.sep) else a


def plan_runs(args):
    seeds_wanted = [int(s) for s in args.seeds.split(",")] if args.seeds else [1, 2, 3]
    rows = args.rows.split(",") if args.rows else ROWS
    runs = []
    for seed in sorted({s for r in rows for s in SEEDS[r]}):
        if seed not in seeds_wanted:
            continue
        for row in rows:
            if seed in SEEDS[row]:
                runs.append({"id": f"{row}/seed-{seed}", "row": row, "seed": seed})
    return runs


def task_config(config_path, task, out_path):
    """The config with one task only, strategy static (the app drops the other task's targets)."""
    c = read_json(config_path)
    c["tasks"] = [t for t in c["tasks"] if t["name"] == task]
    if not c["tasks"]:
        sys.exit(f"{config_path} has no task {task!r}")
    c["name"] = f"{c.get('name', 'experiment')}-{task}"
    c["strategy"] = {"name": "static", "options": {}}
    write_json_atomic(out_path, c)
    return out_path


def command_for(run, args, work):
    rundir = os.path.join(work, "runs", run["row"], f"seed-{run['seed']}")
    config, strategy = args.config, run["row"]
    if run["row"].startswith("single-"):
        task = run["row"][len("single-"):]
        config = os.path.join(work, "configs", f"brown-{task}.json")
        strategy = "static"
    cmd = ["node", CLI, "train", "--config", config, "--strategy", strategy, "--seed", str(run["seed"]),
           "--out", os.path.join(rundir, "out"), "--json"]
    return rundir, cmd


def summarise(result):
    keep = ["name", "strategy", "backend", "seed", "epochs", "steps", "gradientMode", "seconds", "test", "history",
            "weights", "strategyInfo", "notes"]
    return {k: result[k] for k in keep if k in result}


def run_series(args):
    work = os.path.abspath(args.work)
    runs = plan_runs(args)
    existing = read_json(args.results, {"runs": []})
    done = {r["id"]: r for r in existing.get("runs", [])}
    header = {
        "series": "brown",
        "title": "Brown corpus: POS (token accuracy) + genre (accuracy), MTL vs single task",
        "config": rel(args.config),
        "continue": "nice -n 5 python3 apps/example/bench/brown-series.py (rerun after any interruption)",
    }

    def save():
        order = [r["id"] for r in runs]
        ordered = [done[i] for i in order if i in done] + [r for i, r in done.items() if i not in order]
        write_json_atomic(args.results, {**header, "updatedAt": now_iso(), "runs": ordered})

    commit = git_commit()  # at the start: the code the runs execute
    for r in runs:
        r["rundir"], r["cmd"] = command_for(r, args, work)
    todo = [r for r in runs if r["id"] not in done]
    print(f"[brown] {len(runs)} runs, {len(runs) - len(todo)} recorded, {len(todo)} to run; results: "
          f"{rel(args.results)}", file=sys.stderr)
    if args.dry_run:
        for r in runs:
            state = "todo" if r in todo else "done"
            print(f"{state}  {r['id']:24}  {' '.join(rel(c) if os.sep in c else c for c in r['cmd'])}")
        return
    if todo and not os.path.exists(CLI):
        sys.exit(f"{rel(CLI)} is missing — build first: npx -y pnpm@12.21.0 turbo run build "
                 "--filter @multitask/example...")
    for task in TASKS:
        task_config(args.config, task, os.path.join(work, "configs", f"brown-{task}.json"))
    lock = threading.Lock()
    failed = []

    def one(i, r):
        os.makedirs(r["rundir"], exist_ok=True)
        print(f"[brown] run {i + 1}/{len(todo)}: {r['id']}", file=sys.stderr, flush=True)
        cmd = r["cmd"] + (["--resume"] if os.path.isdir(os.path.join(r["rundir"], "out")) else [])
        started_at, t0 = now_iso(), time.time()
        with open(os.path.join(r["rundir"], "stdout.txt"), "w") as out, \
                open(os.path.join(r["rundir"], "stderr.txt"), "a") as err:
            # /usr/bin/time -v: the run's own CPU time (user + system), even when runs go in parallel.
            timed = ["/usr/bin/time", "-v", "-o", os.path.join(r["rundir"], "time.txt")] + cmd
            proc = subprocess.run(timed if os.path.exists("/usr/bin/time") else cmd, stdout=out, stderr=err,
                                  cwd=APP)
        wall = time.time() - t0
        try:
            with open(os.path.join(r["rundir"], "time.txt"), encoding="utf-8") as f:
                cpu = sum(float(line.split(":")[-1]) for line in f
                          if line.strip().startswith(("User time", "System time")))
        except (OSError, ValueError):
            cpu = float("nan")
        if proc.returncode != 0:
            print(f"[brown] {r['id']} failed (exit {proc.returncode}); see {r['rundir']}/stderr.txt — rerun the "
                  "same command to continue", file=sys.stderr, flush=True)
            failed.append(r["id"])
            return
        result = read_json(os.path.join(r["rundir"], "out", "result.json"))
        if result is None:
            failed.append(r["id"])
            return
        with lock:
            done[r["id"]] = {
                "id": r["id"], "row": r["row"], "seed": r["seed"],
                "command": f"cd apps/example && {' '.join(rel(c) if os.sep in c else c for c in r['cmd'])}",
                "commit": commit,
                "backend": result.get("backend", {}).get("name", "unknown"),
                "wallSeconds": round(wall, 1),
                "cpuSeconds": None if cpu != cpu else round(cpu, 1),
                "resumed": "--resume" in cmd,
                "parallelRuns": args.jobs,
                "startedAt": started_at,
                "finishedAt": now_iso(),
                "host": {"cpus": os.cpu_count(), "loadAverage1m": round(os.getloadavg()[0], 2)},
                "result": summarise(result),
            }
            save()
        acc = " ".join(f"{t} {100 * m[METRIC[t]]:.2f}" for t, m in result["test"].items())
        print(f"[brown] {r['id']}: {acc} · {wall / 60:.1f} min wall, {cpu / 60:.1f} min CPU", file=sys.stderr,
              flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for f in [pool.submit(one, i, r) for i, r in enumerate(todo)]:
            f.result()
    if failed:
        sys.exit(f"[brown] failed: {', '.join(failed)} — rerun the same command to continue")
    print(f"[brown] complete: {rel(args.results)}", file=sys.stderr)


def mean_std(values):
    if not values:
        return None
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else None), len(values)


def fmt(ms, digits=2):
    if ms is None:
        return "not yet run"
    m, s, n = ms
    return f"{m:.{digits}f}" if s is None else f"{m:.{digits}f} ± {s:.{digits}f} (n={n})"


def summary(args):
    data = read_json(args.results)
    if data is None:
        print("not yet run")
        return
    acc = {}
    for r in data["runs"]:
        for t, m in r["result"]["test"].items():
            acc.setdefault((r["row"], t), []).append(100 * m[METRIC[t]])
    single = {t: mean_std(acc.get((f"single-{t}", t), [])) for t in TASKS}
    print("| row | POS token accuracy % | genre accuracy % | Δm% vs single task |")
    print("|---|---|---|---|")
    for row in ["single-pos", "single-genre", "static", "uncertainty", "gradnorm", "mgda"]:
        cells = []
        for t in TASKS:
            cells.append("—" if row.startswith("single-") and not row.endswith(t) else fmt(mean_std(acc.get((row, t), []))))
        dm = "—"
        if not row.startswith("single-") and all(single[t] for t in TASKS):
            # Δm% per seed-matched mean: (1/T) Σ_t (M_t − B_t)/B_t · 100 with B the mean single-task accuracy.
            runs = [r for r in data["runs"] if r["row"] == row]
            values = [100 * statistics.mean((100 * r["result"]["test"][t][METRIC[t]] - single[t][0]) / single[t][0]
                                            for t in TASKS) for r in runs]
            dm = fmt(mean_std(values)) if values else "not yet run"
        print(f"| {ROW_NAMES[row]} | {' | '.join(cells)} | {dm} |")
    walls = [r["wallSeconds"] for r in data["runs"]]
    cpus = [r["cpuSeconds"] for r in data["runs"] if r.get("cpuSeconds") is not None] or [float("nan")]
    commits = sorted({r["commit"] for r in data["runs"]})
    backends = sorted({r["backend"] for r in data["runs"]})
    print(f"\n{len(data['runs'])} runs · commits {', '.join(commits)} · backend {', '.join(backends)} · wall per run "
          f"{min(walls) / 60:.1f}–{max(walls) / 60:.1f} min · CPU per run {min(cpus) / 60:.1f}–{max(cpus) / 60:.1f} "
          f"min")
    notes = data["runs"][0]["result"].get("notes", {})
    if notes:
        print(f"baselines (test files): most frequent tag {100 * notes.get('baselineMostFrequentTag', float('nan')):.2f} % · "
              f"majority genre {100 * notes.get('baselineMajorityGenre', float('nan')):.2f} %")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--summary", action="store_true", help="print the Markdown table of the results and exit")
    p.add_argument("--config", default=os.path.join(APP, "configs", "brown.json"))
    p.add_argument("--work", default=os.environ.get("MULTITASK_BROWN_WORK", "/work/series-brown"),
                   help="work directory: single-task configs, per-run directories, logs")
    p.add_argument("--results", default=os.path.join(REPO, "docs", "results", "brown.json"))
    p.add_argument("--seeds", help="only these seeds, e.g. 1")
    p.add_argument("--rows", help="only these rows, e.g. static,mgda")
    p.add_argument("--jobs", type=int, default=1, help="runs at a time (default 1; 2 on two free cores)")
    p.add_argument("--dry-run", action="store_true")
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.config = os.path.abspath(args.config)
    args.results = os.path.abspath(args.results)
    if args.summary:
        summary(args)
    else:
        run_series(args)


if __name__ == "__main__":
    main()
