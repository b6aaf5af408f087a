#!/usr/bin/env python3
"""The MultiMNIST reproduction series (issue "Reproduce the MultiMNIST table"): runs the app and the same-recipe
PyTorch reference run by run, resumable, and writes the raw results to docs/results/<plan>.json.

Python 3 standard library only (the reference runs need the venv of bench/reference/README.md). Run from anywhere:

    python3 apps/example/bench/series.py --plan 3ep              # 36 runs: 6 rows x seeds 1-3 x {app, reference}
    python3 apps/example/bench/series.py --plan 10ep             # 12 runs: 6 rows x seed 1 x {app, reference}
    python3 apps/example/bench/series.py --plan extra            # 8 runs: 8 more strategies, 3 epochs, seed 1, app only
    python3 apps/example/bench/series.py --plan 3ep --dry-run    # print the runs and their commands, run nothing
    python3 apps/example/bench/series.py --summary               # print the Markdown tables of docs/results/*.json
    python3 apps/example/bench/series.py --page docs/results.md  # rewrite that page's tables from docs/results/*.json

A run whose result exists (in the work directory or already in the results file) is skipped, so an interrupted
series continues where it stopped. Every finished run is written into the results file at once (atomically),
with its command, the commit, the backend and the wall time.
"""
import argparse
import datetime
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(APP))
CLI = os.path.join(APP, "dist", "cli.js")
REFERENCE = os.path.join(HERE, "reference", "run.py")

SIX_ROWS = ["single-left", "single-right", "static", "uncertainty", "gradnorm", "mgda"]
EXTRA = ["pcgrad", "cagrad", "imtl-g", "aligned-mtl", "upgrad", "nash-mtl", "famo", "dwa"]
PLANS = {
    "3ep": {"epochs": 3, "seeds": [1, 2, 3], "rows": SIX_ROWS, "sides": ["app", "reference"],
            "title": "3 epochs, seeds 1-3"},
    "10ep": {"epochs": 10, "seeds": [1], "rows": SIX_ROWS, "sides": ["app", "reference"],
             "title": "10 epochs, seed 1"},
    "extra": {"epochs": 3, "seeds": [1], "rows": EXTRA, "sides": ["app"],
              "title": "3 epochs, seed 1, more strategies (app only)"},
}
# Sener & Koltun 2018, Table 1, MultiMNIST (left / right accuracy %, 100 epochs).
PAPER = {
    "single-task": (97.23, 95.90),
    "static": (96.46, 94.99),
    "uncertainty": (96.47, 95.29),
    "gradnorm": (96.27, 94.84),
    "mgda": (97.26, 95.90),
}
ROW_NAMES = {"single-left": "single task (left)", "single-right": "single task (right)", "static": "equal weights",
             "uncertainty": "uncertainty", "gradnorm": "GradNorm", "mgda": "MGDA-UB", "pcgrad": "PCGrad",
             "cagrad": "CAGrad", "imtl-g": "IMTL-G", "aligned-mtl": "Aligned-MTL", "upgrad": "UPGrad",
             "nash-mtl": "Nash-MTL", "famo": "FAMO", "dwa": "DWA"}


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def write_json_atomic(path, value):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(value, indent=2, allow_nan=False) + "\n")
    os.replace(tmp, path)


def read_json(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def git_commit():
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def take_lock(rundir):
    """Claims a run for this process (a `.lock` file holding our pid); False when a live process holds it."""
    path = os.path.join(rundir, ".lock")
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            return True
        except FileExistsError:
            try:
                with open(path, encoding="utf-8") as f:
                    pid = int(f.read().strip() or 0)
                if pid > 0 and pid != os.getpid():
                    os.kill(pid, 0)
                    return False  # alive
            except (ProcessLookupError, ValueError):
                pass
            except PermissionError:
                return False
            try:
                os.remove(path)  # stale: its process is gone
            except FileNotFoundError:
                pass
    return False


def release_lock(rundir):
    try:
        os.remove(os.path.join(rundir, ".lock"))
    except FileNotFoundError:
        pass


def cli_supports(flag):
    """Whether the built CLI's `train` knows `flag` (e.g. --resume, once the reliability issue has landed)."""
    out = subprocess.run(["node", CLI, "--help"], capture_output=True, text=True)
    return flag in out.stdout


def single_task_config(config_path, task, out_path):
    """The config with one task only (the app hides the other task's targets), strategy static."""
    with open(config_path, encoding="utf-8") as f:
        c = json.load(f)
    names = [t["name"] for t in c["tasks"]]
    if task not in names:
        sys.exit(f"{config_path} has no task {task!r} (it has {', '.join(names)})")
    c["tasks"] = [t for t in c["tasks"] if t["name"] == task]
    c["name"] = f"{c.get('name', 'experiment')}-{task}"
    c["strategy"] = {"name": "static"}
    write_json_atomic(out_path, c)
    return out_path


def plan_runs(plan, args):
    p = PLANS[plan]
    epochs = args.epochs or p["epochs"]
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else p["seeds"]
    rows = args.rows.split(",") if args.rows else p["rows"]
    sides = [args.only] if args.only else p["sides"]
    runs = []
    for seed in seeds:
        for row in rows:
            for side in sides:
                if side == "reference" and row not in SIX_ROWS:
                    continue
                runs.append({"id": f"{side}/{row}/seed-{seed}", "side": side, "row": row, "seed": seed,
                             "epochs": epochs})
    return runs


def command_for(run, args, work, resume):
    # <rundir>/out is the run's own --out (created by the run); logs and run.json sit beside it in <rundir>.
    rundir = os.path.join(work, "runs", args.plan, run["side"], f"{run['row']}-seed-{run['seed']}")
    outdir = os.path.join(rundir, "out")
    if run["side"] == "reference":
        cmd = [args.python, REFERENCE, "--data", os.path.join(work, "data"), "--strategy", run["row"],
               "--seed", str(run["seed"]), "--epochs", str(run["epochs"]), "--threads", str(args.threads),
               "--out", os.path.join(outdir, "result.json")]
        return rundir, cmd
    config = args.config
    strategy = run["row"]
    if run["row"].startswith("single-"):
        task = run["row"][len("single-"):]
        config = os.path.join(work, "configs", f"{os.path.splitext(os.path.basename(args.config))[0]}-{task}.json")
        strategy = "static"
    cmd = ["node", CLI, "train", "--config", config, "--strategy", strategy, "--epochs", str(run["epochs"]),
           "--seed", str(run["seed"]), "--out", outdir, "--json"]
    if resume:
        cmd.append("--resume")
    return rundir, cmd


def rel(path):
    """A path relative to the repository when inside it (for the commands recorded in the results)."""
    a = os.path.abspath(path)
    return os.path.relpath(a, REPO) if a.startswith(REPO + os.sep) else a


def summarise_result(result):
    keep = ["name", "strategy", "backend", "seed", "epochs", "steps", "gradientMode", "seconds", "test", "history",
            "weights", "strategyInfo", "recipe", "tasks"]
    return {k: result[k] for k in keep if k in result}


def run_series(args):
    work = os.path.abspath(args.work)
    results_path = os.path.join(args.results, f"{args.plan}.json")
    runs = plan_runs(args.plan, args)
    resume = not args.dry_run and os.path.exists(CLI) and cli_supports("--resume")
    existing = read_json(results_path, {"runs": []})
    done = {r["id"]: r for r in existing.get("runs", [])}
    header = {
        "plan": args.plan,
        "title": PLANS[args.plan]["title"],
        "config": rel(args.config),
        "data": "written by: node apps/example/dist/cli.js export-data --config "
                f"{rel(args.config)} --out <work>/data",
        "paper": {"source": "Sener & Koltun 2018, Table 1, MultiMNIST, 100 epochs",
                  "accuracyPercent": {k: {"left": v[0], "right": v[1]} for k, v in PAPER.items()}},
    }

    def save():
        # Another series process (e.g. `--only app` beside `--only reference`) may have recorded runs since we read
        # the file: keep them.
        for r in read_json(results_path, {"runs": []}).get("runs", []):
            done.setdefault(r["id"], r)
        ordered = [done[r["id"]] for r in runs if r["id"] in done]
        ordered += [r for i, r in done.items() if i not in {x["id"] for x in runs}]
        write_json_atomic(results_path, {**header, "updatedAt": now_iso(), "runs": ordered})

    todo = []
    for r in runs:
        rundir, cmd = command_for(r, args, work, resume)
        r["rundir"], r["cmd"] = rundir, cmd
        if r["id"] in done:
            continue
        if read_json(os.path.join(rundir, "out", "result.json")) is not None and os.path.exists(
                os.path.join(rundir, "run.json")):
            continue  # finished but not yet recorded: picked up below
        todo.append(r)
    print(f"[series {args.plan}] {len(runs)} runs, {len(runs) - len(todo)} done, {len(todo)} to run"
          f"{' (app runs with --resume)' if resume else ''}; results: {rel(results_path)}", file=sys.stderr)
    if args.dry_run:
        for r in runs:
            state = "done" if r not in todo else "todo"
            print(f"{state:4}  {r['id']:32}  {' '.join(rel(c) if os.sep in c else c for c in r['cmd'])}")
        return

    # Runs finished in an earlier session but not recorded (e.g. killed between the run and the save).
    for r in runs:
        if r["id"] not in done:
            meta = read_json(os.path.join(r["rundir"], "run.json"))
            result = read_json(os.path.join(r["rundir"], "out", "result.json"))
            if meta is not None and result is not None:
                done[r["id"]] = {**meta, "result": summarise_result(result)}
    save()

    needs_app = any(r["side"] == "app" for r in todo)
    needs_ref = any(r["side"] == "reference" for r in todo)
    if needs_ref and not os.path.exists(args.python):
        sys.exit(f"{args.python} not found — see apps/example/bench/reference/README.md for the venv, or pass "
                 "--python or --only app")
    if needs_app and not os.path.exists(CLI):
        sys.exit(f"{rel(CLI)} is missing — build first: npx -y pnpm@12.21.0 turbo run build "
                 "--filter @multitask/example...")
    if needs_ref and not os.path.exists(os.path.join(work, "data", "manifest.json")):
        cmd = ["node", CLI, "export-data", "--config", args.config, "--out", os.path.join(work, "data")]
        print(f"[series {args.plan}] exporting the data: {' '.join(cmd)}", file=sys.stderr)
        subprocess.run(cmd, check=True)
    for row in {r["row"] for r in todo if r["side"] == "app" and r["row"].startswith("single-")}:
        single_task_config(args.config, row[len("single-"):],
                           os.path.join(work, "configs",
                                        f"{os.path.splitext(os.path.basename(args.config))[0]}-{row[7:]}.json"))

    walls = {"app": [], "reference": []}
    for i, r in enumerate(todo):
        os.makedirs(r["rundir"], exist_ok=True)
        # Several series processes may share a plan (e.g. two app processes on two cores): a run recorded by
        # another process since we started is skipped, and a run another live process is on is left to it.
        if r["id"] in {x["id"] for x in read_json(results_path, {"runs": []}).get("runs", [])}:
            continue
        if not take_lock(r["rundir"]):
            print(f"[series {args.plan}] {r['id']}: another series process is running it; skipped",
                  file=sys.stderr, flush=True)
            continue
        left = [x for x in todo[i:]]
        est = sum((statistics.mean(walls[x["side"]]) if walls[x["side"]] else math.nan) for x in left)
        eta = "" if math.isnan(est) else f" · series ETA {est / 60:.0f} min"
        print(f"[series {args.plan}] run {i + 1}/{len(todo)}: {r['id']}{eta}", file=sys.stderr, flush=True)
        started_at, t0 = now_iso(), time.time()
        with open(os.path.join(r["rundir"], "stdout.txt"), "w") as out, \
                open(os.path.join(r["rundir"], "stderr.txt"), "a") as err:
            proc = subprocess.run(r["cmd"], stdout=out, stderr=err, cwd=REPO)
        wall = time.time() - t0
        release_lock(r["rundir"])
        if proc.returncode != 0:
            sys.exit(f"[series {args.plan}] {r['id']} failed (exit {proc.returncode}); see {r['rundir']}/stderr.txt "
                     "— fix and rerun the same command to continue")
        result = read_json(os.path.join(r["rundir"], "out", "result.json"))
        if result is None and r["side"] == "app":  # an app without --out result.json: its --json stdout
            with open(os.path.join(r["rundir"], "stdout.txt"), encoding="utf-8") as f:
                result = json.loads(f.read().strip().splitlines()[-1])
            write_json_atomic(os.path.join(r["rundir"], "out", "result.json"), result)
        meta = {
            "id": r["id"], "side": r["side"], "row": r["row"], "seed": r["seed"], "epochs": r["epochs"],
            "command": " ".join(rel(c) if os.sep in c else c for c in r["cmd"]),
            "commit": git_commit(),
            "backend": result.get("backend", {}).get("name", "unknown"),
            "wallSeconds": round(wall, 1),
            "startedAt": started_at,
            "finishedAt": now_iso(),
            "host": {"cpus": os.cpu_count(), "loadAverage1m": round(os.getloadavg()[0], 2)},
        }
        write_json_atomic(os.path.join(r["rundir"], "run.json"), meta)
        done[r["id"]] = {**meta, "result": summarise_result(result)}
        save()
        walls[r["side"]].append(wall)
        acc = " ".join(f"{t} {100 * m['accuracy']:.2f}" for t, m in result["test"].items() if "accuracy" in m)
        print(f"[series {args.plan}] {r['id']}: {acc} · {wall / 60:.1f} min", file=sys.stderr, flush=True)
    print(f"[series {args.plan}] complete: {rel(results_path)}", file=sys.stderr)


def mean_std(values):
    if not values:
        return None
    m = statistics.mean(values)
    s = statistics.stdev(values) if len(values) > 1 else None
    return m, s, len(values)


def fmt(ms):
    if ms is None:
        return "not yet run"
    m, s, n = ms
    return f"{m:.2f}" if s is None else f"{m:.2f} ± {s:.2f} (n={n})"


def plan_table(plan, data):
    """The Markdown table of one series (and the line under it), from its results file (None: not yet run)."""
    p = PLANS[plan]
    acc = {}
    for r in (data or {}).get("runs", []):
        for t, m in r["result"]["test"].items():
            acc.setdefault((r["side"], r["row"], t), []).append(100 * m["accuracy"])
    sides = p["sides"]
    two = len(sides) == 2
    head = [f"{side} {t}" for side in sides for t in ("left", "right")]
    if two:
        head += ["app − ref. left", "app − ref. right", "paper left", "paper right"]
    lines = [f"| {'row' if two else 'strategy'} | {' | '.join(head)} |", f"|---|{'---|' * len(head)}"]
    for row in p["rows"]:
        paper = PAPER.get("single-task" if row.startswith("single-") else row)
        cells = []
        for side in sides:
            for t in ("left", "right"):
                if row.startswith("single-") and not row.endswith(t):
                    cells.append("—")
                else:
                    cells.append(fmt(mean_std(acc.get((side, row, t), []))))
        if two:
            for t in ("left", "right"):
                a, b = mean_std(acc.get(("app", row, t), [])), mean_std(acc.get(("reference", row, t), []))
                cells.append("—" if a is None or b is None else f"{a[0] - b[0]:+.2f}")
            cells.append("—" if paper is None or row == "single-right" else f"{paper[0]:.2f}")
            cells.append("—" if paper is None or row == "single-left" else f"{paper[1]:.2f}")
        lines.append(f"| {ROW_NAMES.get(row, row)} | {' | '.join(cells)} |")
    runs = (data or {}).get("runs", [])
    expected = len([1 for seed in p["seeds"] for row in p["rows"] for side in sides
                    if not (side == "reference" and row not in SIX_ROWS)])
    if not runs:
        foot = f"Not yet run (`docs/results/{plan}.json`)."
    else:
        commits = sorted({r["commit"][:12] for r in runs})
        backends = sorted({f"{r['side']} on {r['backend']}" for r in runs})
        walls = {}
        for r in runs:
            walls.setdefault(r["side"], []).append(r["wallSeconds"] / 60)
        wall = "; ".join(f"{side} {min(w):.1f}–{max(w):.1f} min" for side, w in sorted(walls.items()))
        status = "complete" if len(runs) >= expected else f"**partial: {len(runs)} of {expected} runs**"
        foot = (f"{status} · commit {', '.join(commits)} · {'; '.join(backends)} · wall time per run (shared "
                f"machine) {wall} · raw runs in `docs/results/{plan}.json`.")
    return lines + ["", foot]


def summary(args):
    for plan in PLANS:
        data = read_json(os.path.join(args.results, f"{plan}.json"))
        print(f"### {PLANS[plan]['title']}\n")
        print("\n".join(plan_table(plan, data)) + "\n")


def write_page(args):
    """Replaces each `<!-- series:PLAN -->` … `<!-- /series:PLAN -->` block of the page with the plan's table."""
    with open(args.page, encoding="utf-8") as f:
        text = f.read()
    for plan in PLANS:
        open_mark, close_mark = f"<!-- series:{plan} -->", f"<!-- /series:{plan} -->"
        if open_mark not in text or close_mark not in text:
            sys.exit(f"{args.page} has no {open_mark} … {close_mark} block")
        before, rest = text.split(open_mark, 1)
        _, after = rest.split(close_mark, 1)
        table = "\n".join(plan_table(plan, read_json(os.path.join(args.results, f"{plan}.json"))))
        text = f"{before}{open_mark}\n\n{table}\n\n{close_mark}{after}"
    tmp = f"{args.page}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, args.page)
    print(f"wrote the tables of {rel(args.page)} (format it: npx prettier --write {rel(args.page)})", file=sys.stderr)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--plan", choices=sorted(PLANS), help="which series to run")
    p.add_argument("--summary", action="store_true", help="print the Markdown tables of the results and exit")
    p.add_argument("--page", help="rewrite the tables of this Markdown page (e.g. docs/results.md) and exit")
    p.add_argument("--config", default=os.path.join(APP, "configs", "multi-mnist.json"))
    p.add_argument("--work", default=os.environ.get("MULTITASK_SERIES_WORK", "/work/series"),
                   help="work directory: exported data, per-run directories, logs (default /work/series)")
    p.add_argument("--results", default=os.path.join(REPO, "docs", "results"),
                   help="where <plan>.json goes (default docs/results)")
    p.add_argument("--python", default=os.environ.get("MULTITASK_REFERENCE_PYTHON", "/work/venv-repro/bin/python"),
                   help="the Python with torch for the reference runs")
    p.add_argument("--threads", type=int, default=1, help="torch threads of the reference (default 1)")
    p.add_argument("--only", choices=["app", "reference"], help="run one side only")
    p.add_argument("--epochs", type=int, help="override the plan's epochs (smoke tests)")
    p.add_argument("--seeds", help="override the plan's seeds, e.g. 1,2")
    p.add_argument("--rows", help="override the plan's rows, e.g. static,mgda")
    p.add_argument("--dry-run", action="store_true", help="print the runs and commands; run nothing")
    args = p.parse_args(argv)
    # SIGTERM (e.g. `kill PID`) ends like Ctrl-C: the running child is killed, finished runs stay recorded.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.config = os.path.abspath(args.config)
    args.results = os.path.abspath(args.results)
    if args.page:
        args.page = os.path.abspath(args.page)
        write_page(args)
    elif args.summary:
        summary(args)
    elif args.plan:
        run_series(args)
    else:
        p.error("pass --plan NAME or --summary")


if __name__ == "__main__":
    main()
