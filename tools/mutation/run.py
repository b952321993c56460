"""Mutation testing of the pure core (`make mutation`): do the tests catch small bugs?

For each module listed in ``modules.yaml``, cosmic-ray makes mutants (one small change each:
a comparison, an operator, a constant +-1, an and/or, a negated condition, a loop that never
runs...) and runs the module's own tests against each; a mutant is killed when a test fails
(or the tests time out: an endless loop), and survives when they all pass.

The run never touches the working tree: each lane (``--jobs``) mutates its own copy of the
project under ``--workdir``. Sessions (``<workdir>/sessions/*.sqlite``) and the report
(``<workdir>/report.txt``) stay there for a look afterwards; ``--report-only`` prints the
report of the last run again.

Survivors that no test can kill because they change nothing a caller can observe are listed,
with a one-line reason each, in ``equivalent.yaml``; the report subtracts them. The kill
rate of a module is ``killed / (run - equivalent)``. The exit status is 1 when a module is
below ``--fail-under`` or did not finish in its time limit.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
COPIED = ("broadcast", "tests", "tools", "schedules", "scripts", "pyproject.toml")


@dataclass
class Equivalent:
    module: str
    function: str | None  # cosmic-ray's definition name; None: anywhere in the module
    near: str | None  # text that must be in the diff (with its context lines), if given
    line: str
    mutant: str
    reason: str
    matched: int = 0

    def matches(self, mutant: Mutant) -> bool:
        return ((self.module, self.line, self.mutant) == mutant.key()
                and self.function in (None, mutant.function)
                and (self.near is None or self.near in mutant.diff))


@dataclass
class Mutant:
    module: str
    function: str | None
    lineno: int
    operator: str
    removed: str
    added: str
    diff: str = ""

    def key(self) -> tuple[str, str, str]:
        return (self.module, self.removed, self.added)

    def describe(self) -> str:
        where = f" in {self.function}()" if self.function else ""
        return (f"  {self.module}:{self.lineno}{where}  {self.operator}\n"
                f"      - {self.removed.replace(chr(10), chr(10) + '        ')}\n"
                f"      + {self.added.replace(chr(10), chr(10) + '        ')}")


@dataclass
class ModuleResult:
    module: str
    generated: int = 0
    filtered: int = 0
    killed: int = 0
    timeouts: int = 0
    errors: int = 0
    pending: int = 0
    survivors: list[Mutant] = field(default_factory=list)
    equivalent: list[Mutant] = field(default_factory=list)
    killed_equivalent: list[Mutant] = field(default_factory=list)
    note: str = ""

    @property
    def mutants(self) -> int:
        return self.generated - self.filtered

    @property
    def run(self) -> int:
        return self.mutants - self.pending

    @property
    def rate(self) -> float | None:
        counted = self.run - len(self.equivalent)
        return None if counted <= 0 else 100.0 * self.killed / counted


def load_config(root: Path) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((HERE / "modules.yaml").read_text(encoding="utf-8"))
    listed = set(config["modules"]) | set(config["excluded"])
    for package in config["packages"]:
        for path in sorted((root / package).glob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel not in listed:
                raise SystemExit(f"{rel} is in neither 'modules' nor 'excluded' of modules.yaml")
    return config


def load_equivalents() -> list[Equivalent]:
    entries = yaml.safe_load((HERE / "equivalent.yaml").read_text(encoding="utf-8")) or []
    out = []
    for entry in entries:
        missing = {"module", "line", "mutant", "reason"} - set(entry)
        if missing:
            raise SystemExit(f"equivalent.yaml: entry {entry} lacks {sorted(missing)}")
        out.append(Equivalent(entry["module"], entry.get("function"), entry.get("near"),
                              entry["line"].strip(), entry["mutant"].strip(), entry["reason"]))
    return out


def session_name(module: str) -> str:
    return module.removeprefix("broadcast/").removesuffix(".py").replace("/", ".")


def make_copy(source_root: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
    for name in COPIED:
        source = source_root / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, target / name)


def worker(*args: str) -> list[str]:
    return [sys.executable, str(HERE / "worker.py"), *args]


def run_module(module: str, tests: list[str], lane_dir: Path, pristine: Path, sessions: Path,
               exclude_operators: list[str], seconds: float, all_tests: bool, log: Any) -> str:
    """Run one module's session; return a note for the report ('' when it all ran)."""
    name = session_name(module)
    db, cfg = sessions / f"{name}.sqlite", sessions / f"{name}.toml"
    plan, note_file = sessions / f"{name}.tests.json", sessions / f"{name}.note"
    for stale in (db, cfg, plan, note_file):
        stale.unlink(missing_ok=True)
    started = time.monotonic()
    base = subprocess.run(
        worker("--record", str(plan), "--module", module, "--pristine", str(pristine / module),
               *tests),
        cwd=lane_dir, capture_output=True, text=True)
    baseline = time.monotonic() - started
    if base.returncode != 0:
        note = f"the tests fail without any mutant:\n{base.stdout[-2000:]}{base.stderr[-2000:]}"
        note_file.write_text(note, encoding="utf-8")
        return note
    # The baseline ran every test under coverage, slower than any mutant's run: twice that
    # is generous on a loaded machine, and an endless loop costs it only once.
    per_mutant = max(10.0, 2 * baseline + 5)
    cfg.write_text("\n".join([
        "[cosmic-ray]",
        f"module-path = {json.dumps(module)}",
        f"timeout = {per_mutant:.0f}",
        "excluded-modules = []",
        # Used only if the session is run with `cosmic-ray exec` by hand; worker.py runs
        # the same tests in forked children instead.
        f"test-command = {json.dumps(shlex.join([sys.executable, '-m', 'pytest', '-x', *tests]))}",
        "[cosmic-ray.distributor]",
        'name = "local"',
        "[cosmic-ray.filters.operators-filter]",
        f"exclude-operators = {json.dumps(exclude_operators)}",
        "",
    ]), encoding="utf-8")
    for step in (["cosmic-ray", "init", str(cfg), str(db)],
                 ["cr-filter-operators", str(db), str(cfg)]):
        subprocess.run([str(BIN / step[0]), *step[1:]], cwd=lane_dir, check=True,
                       capture_output=True)
    remaining = seconds - (time.monotonic() - started)
    log(f"{module}: baseline {baseline:.1f} s, each mutant at most {per_mutant:.0f} s")
    note = ""
    try:
        run = subprocess.run(
            worker("--exec", str(db), "--plan", str(plan), "--seconds", f"{remaining:.0f}",
                   "--per-mutant", f"{per_mutant:.0f}", *(["--all-tests"] if all_tests else []),
                   *tests),
            cwd=lane_dir, capture_output=True, text=True, timeout=remaining + per_mutant + 60)
        if run.returncode != 0:
            note = f"worker failed: {run.stdout[-1000:]}{run.stderr[-2000:]}"
        elif "time limit reached" in run.stdout:
            note = f"stopped at the time limit ({seconds / 60:g} min)"
    except subprocess.TimeoutExpired:
        note = "worker did not stop at the time limit"
    # cosmic-ray restores the module after each mutant, but not if its process dies.
    shutil.copy2(pristine / module, lane_dir / module)
    if note:
        note_file.write_text(note, encoding="utf-8")
    return note


def run_all(root: Path, config: dict[str, Any], modules: list[str], workdir: Path, jobs: int,
            module_minutes: float, all_tests: bool) -> None:
    sessions = workdir / "sessions"
    sessions.mkdir(parents=True, exist_ok=True)
    # One snapshot of the working tree, taken now: edits made during the run change nothing.
    pristine = workdir / "source"
    make_copy(root, pristine)
    queue = sorted(modules, key=lambda m: (root / m).stat().st_size, reverse=True)
    lock = threading.Lock()
    started = time.monotonic()

    def log(message: str) -> None:
        with lock:
            print(f"[{time.monotonic() - started:6.0f} s] {message}", flush=True)

    def lane(number: int) -> None:
        lane_dir = workdir / f"lane-{number}"
        make_copy(pristine, lane_dir)
        while True:
            with lock:
                if not queue:
                    return
                module = queue.pop(0)
            t0 = time.monotonic()
            try:
                note = run_module(module, config["modules"][module], lane_dir, pristine,
                                  sessions, config["exclude-operators"], module_minutes * 60,
                                  all_tests, log)
            except (OSError, subprocess.SubprocessError) as exc:
                note = f"could not run: {exc}"
                (sessions / f"{session_name(module)}.note").write_text(note, encoding="utf-8")
            log(f"{module}: done in {time.monotonic() - t0:.0f} s" + (f" ({note.splitlines()[0]})"
                                                                      if note else ""))

    threads = [threading.Thread(target=lane, args=(n,)) for n in range(1, jobs + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log("all modules done")


def changed_lines(diff: str) -> tuple[str, str]:
    removed, added = [], []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("-") and line[1:].strip():
            removed.append(line[1:].strip())
        elif line.startswith("+") and line[1:].strip():
            added.append(line[1:].strip())
    return "\n".join(removed), "\n".join(added)


def collect(module: str, sessions: Path, equivalents: list[Equivalent]) -> ModuleResult:
    name = session_name(module)
    result = ModuleResult(module)
    note_file = sessions / f"{name}.note"
    if note_file.exists():
        result.note = note_file.read_text(encoding="utf-8").splitlines()[0]
    db = sessions / f"{name}.sqlite"
    if not db.exists():
        result.note = result.note or "not run"
        return result
    dump = subprocess.run([str(BIN / "cosmic-ray"), "dump", str(db)], capture_output=True,
                          text=True, check=True).stdout
    for line in dump.splitlines():
        job, outcome = json.loads(line)
        result.generated += 1
        if outcome is None:
            result.pending += 1
            continue
        if outcome["worker_outcome"] == "skipped":
            result.filtered += 1
            continue
        mutation = job["mutations"][0]
        removed, added = changed_lines(outcome.get("diff") or "")
        mutant = Mutant(module, mutation.get("definition_name"), mutation["start_pos"][0],
                        mutation["operator_name"], removed, added, outcome.get("diff") or "")
        known = next((e for e in equivalents if e.matches(mutant)), None)
        if known is not None:
            known.matched += 1
        if outcome["worker_outcome"] != "normal" or outcome["test_outcome"] == "incompetent":
            result.errors += 1
            result.killed += 1  # the mutant broke the module: any use of it fails
        elif outcome["test_outcome"] == "killed":
            result.killed += 1
            if outcome.get("output") == "timeout":
                result.timeouts += 1
            if known is not None:
                result.killed_equivalent.append(mutant)
        elif known is not None:
            result.equivalent.append(mutant)
        else:
            result.survivors.append(mutant)
    result.survivors.sort(key=lambda m: m.lineno)
    return result


def report(config: dict[str, Any], modules: list[str], workdir: Path, fail_under: float,
           equivalents: list[Equivalent]) -> tuple[str, bool]:
    sessions = workdir / "sessions"
    results = [collect(m, sessions, equivalents) for m in modules]
    lines = [
        f"Mutation testing with cosmic-ray {version('cosmic-ray')}: each mutant against its "
        "module's own tests (tools/mutation/modules.yaml).",
        "killed includes timeouts (endless loops) and mutants that break the module; kill rate ="
        " killed / (run - equivalent).",
        "",
        f"{'module':40} {'mutants':>7} {'run':>5} {'killed':>6} {'timeout':>7} {'survived':>8} "
        f"{'equiv.':>6} {'kill rate':>9}",
    ]
    ok = True
    totals = [0, 0, 0, 0, 0, 0]
    for r in results:
        rate = r.rate
        shown = "-" if rate is None else f"{rate:.1f} %"
        flag = ""
        if r.note:
            flag, ok = f"  ({r.note})", False
        elif rate is not None and rate < fail_under:
            flag, ok = f"  (below {fail_under:g} %)", False
        lines.append(f"{r.module:40} {r.mutants:7} {r.run:5} {r.killed:6} {r.timeouts:7} "
                     f"{len(r.survivors):8} {len(r.equivalent):6} {shown:>9}{flag}")
        for i, n in enumerate((r.mutants, r.run, r.killed, r.timeouts, len(r.survivors),
                               len(r.equivalent))):
            totals[i] += n
    counted = totals[1] - totals[5]
    overall = f"{100.0 * totals[2] / counted:.1f} %" if counted else "-"
    lines.append(f"{'all':40} {totals[0]:7} {totals[1]:5} {totals[2]:6} {totals[3]:7} "
                 f"{totals[4]:8} {totals[5]:6} {overall:>9}")
    survivors = [m for r in results for m in r.survivors]
    lines += ["", f"Survivors not listed in tools/mutation/equivalent.yaml: {len(survivors)}"]
    lines += [m.describe() for m in survivors]
    contradicted = [m for r in results for m in r.killed_equivalent]
    if contradicted:
        ok = False
        lines += ["", "Listed as equivalent, yet killed by a test (remove from equivalent.yaml):"]
        lines += [m.describe() for m in contradicted]
    complete = {r.module for r in results if not r.pending and not r.note}
    unmatched = [e for e in equivalents if e.module in complete and not e.matched]
    if unmatched:
        lines += ["", "equivalent.yaml entries that match no mutant any more (remove them):"]
        lines += [f"  {e.module}: {e.line!r} -> {e.mutant!r}" for e in unmatched]
    lines += ["", f"Target: at least {fail_under:g} % in every module: "
              + ("met." if ok else "NOT met.")]
    return "\n".join(lines), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[],
                        help="run only modules whose path contains one of these")
    parser.add_argument("--jobs", type=int, default=2, help="modules tested at the same time")
    parser.add_argument("--module-minutes", type=float, default=15,
                        help="time limit of one module's session")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".mutation")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the project to mutate (a copy of it): another checkout, to "
                             "compare")
    parser.add_argument("--fail-under", type=float, default=90.0)
    parser.add_argument("--all-tests", action="store_true",
                        help="run all the module's tests against every mutant, not only those "
                             "that run the mutated function (slower; checks the selection)")
    parser.add_argument("--report-only", action="store_true",
                        help="print the report of the last run again")
    args = parser.parse_args()

    root = args.root.resolve()
    # The workers run in the lanes' copies: every path handed to them must be absolute.
    args.workdir = args.workdir.resolve()
    config = load_config(root)
    equivalents = load_equivalents()
    modules = [m for m in config["modules"]
               if not args.only or any(part in m for part in args.only)]
    if not modules:
        raise SystemExit(f"no module matches {args.only}")
    if not args.report_only:
        run_all(root, config, modules, args.workdir, max(1, args.jobs), args.module_minutes,
                args.all_tests)
    args.workdir.mkdir(parents=True, exist_ok=True)
    text, ok = report(config, modules, args.workdir, args.fail_under, equivalents)
    (args.workdir / "report.txt").write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
