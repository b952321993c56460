"""One lane of `make mutation`: runs a module's cosmic-ray session in a copy of the project.

Started by ``tools/mutation/run.py`` in the copy it mutates (the working directory), in one
of two modes:

``worker.py --record MAP --module PATH --pristine FILE TESTS...``
    The baseline: runs TESTS on the unmutated module under coverage and writes MAP, which
    says, for each function and method of the module, the tests that run it and how long
    each test takes. Exits with pytest's status (a failing baseline stops the session).

``worker.py --exec DB --plan MAP --seconds S --per-mutant T TESTS...``
    Every pending mutant of the cosmic-ray session DB, in cosmic-ray's own (random) order,
    until S seconds have passed. cosmic-ray applies each mutation to the file, makes the
    diff, restores the file and records the result; only its test run is replaced: instead
    of a new process per mutant (1.5 s of imports and plugins before the first test) this
    process imports pytest and hypothesis once and forks a child per mutant. The child runs
    only the tests that run the function holding the changed lines, fastest first, and stops
    at the first failure. A mutant outside any function (module level, a decorator), or in a
    function that runs when the module is imported or is decorated (a cache: which test runs
    its body then depends on the order), or in a function's signature (a call can fail
    before the body runs), gets every test. A mutant in a function that no test
    runs survives without running anything: no test can see it. A child still running after
    T seconds is killed and the mutant counted as killed (an endless loop).

Tests are deterministic here: hypothesis is derandomized and has no example database (a
failure found for one mutant is not replayed against the next).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import gc
import json
import os
import select as io_select
import signal
import sys
import time
import traceback
from collections.abc import Generator
from pathlib import Path
from typing import Any

PYTEST_ARGS = ["-q", "--no-header", "-p", "no:cacheprovider",
               "-p", "hypothesis.extra.pytestplugin", "-p", "pytest_timeout"]


def units_of(source: str) -> dict[str, dict[str, Any]]:
    """Top-level functions and methods: their lines (def to end) and body lines."""
    out: dict[str, dict[str, Any]] = {}

    def add(node: ast.FunctionDef | ast.AsyncFunctionDef, prefix: str) -> None:
        out[prefix + node.name] = {
            "first": node.lineno,
            "body": node.body[0].lineno,
            "last": node.end_lineno,
            "decorated": bool(node.decorator_list),
        }

    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            add(node, "")
        elif isinstance(node, ast.ClassDef):
            for child in node.body:
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    add(child, node.name + ".")
    return out


def changed_lines(pristine: str, current: str) -> set[int]:
    """Line numbers (in ``pristine``) that differ in ``current``."""
    out: set[int] = set()
    matcher = difflib.SequenceMatcher(None, pristine.splitlines(), current.splitlines(),
                                      autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            out.update(range(i1 + 1, max(i2, i1 + 1) + 1))
    return out


def record(args: argparse.Namespace) -> int:
    import coverage
    import pytest

    module = Path(args.module).resolve()
    cov = coverage.Coverage(data_file=None, include=[str(module)])
    durations: dict[str, float] = {}

    class Recorder:
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> Generator[None]:
            cov.switch_context(item.nodeid)
            started = time.perf_counter()
            yield
            durations[item.nodeid] = time.perf_counter() - started
            cov.switch_context("")

    cov.start()
    status = int(pytest.main([*PYTEST_ARGS, *args.tests], plugins=[Recorder()]))
    cov.stop()
    data = cov.get_data()
    by_line = (data.contexts_by_lineno(str(module))
               if str(module) in data.measured_files() else {})
    units = units_of(Path(args.pristine).read_text(encoding="utf-8"))
    for unit in units.values():
        contexts: set[str] = set()
        for line in range(unit["body"], unit["last"] + 1):
            contexts.update(by_line.get(line, ()))
        unit["everywhere"] = unit["decorated"] or "" in contexts
        unit["tests"] = sorted(c for c in contexts if c)
    Path(args.record).write_text(json.dumps({
        "module": args.module,
        "pristine": str(Path(args.pristine).resolve()),
        "units": units,
        "durations": durations,
    }, indent=1), encoding="utf-8")
    return status


def run_selected(plan: dict[str, Any], tests: list[str]) -> int:
    """Run the tests that can see the mutant now in the module file (see the module doc)."""
    import pytest

    pristine = Path(plan["pristine"]).read_text(encoding="utf-8")
    current = Path(plan["module"]).read_text(encoding="utf-8")
    wanted: set[str] = set()
    everything = bool(plan.get("all_tests"))
    for line in sorted(changed_lines(pristine, current)):
        unit = next((u for u in plan["units"].values() if u["first"] <= line <= u["last"]),
                    None)
        # A signature (defaults, `*`) also decides calls that fail before the body runs.
        if unit is None or unit["everywhere"] or line < unit["body"]:
            everything = True
            break
        wanted.update(unit["tests"])
    if not everything and not wanted:
        print("no test runs the mutated code")
        return 0
    durations: dict[str, float] = plan["durations"]

    class Selector:
        @pytest.hookimpl(trylast=True)
        def pytest_collection_modifyitems(self, config: Any, items: list[Any]) -> None:
            kept = [i for i in items if everything or i.nodeid in wanted]
            kept.sort(key=lambda i: durations.get(i.nodeid, float("inf")))
            items[:] = kept

    return int(pytest.main(["-x", *PYTEST_ARGS, *tests], plugins=[Selector()]))


def forked_test_run(plan: dict[str, Any], tests: list[str], timeout: float) -> tuple[bool, str]:
    """(killed, output) of the selected tests in a forked child (see the module doc)."""
    sys.stdout.flush()
    sys.stderr.flush()
    # The parent's objects are left out of the child's garbage collections: they would
    # otherwise be walked (and their pages copied) in every child.
    gc.freeze()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 99
        try:
            os.close(read_end)
            os.dup2(write_end, 1)
            os.dup2(write_end, 2)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)  # ends even a busy loop
            signal.alarm(int(timeout) + 2)
            status = run_selected(plan, tests)
        except BaseException:  # noqa: BLE001 - whatever the mutant broke, report it
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready, _, _ = io_select.select([read_end], [], [], remaining)
        if ready:
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if timed_out:
        return True, "timeout"
    output = b"".join(chunks).decode("utf-8", errors="replace")
    return os.waitstatus_to_exitcode(status) != 0, output[-20000:]


def execute(args: argparse.Namespace) -> int:
    import pytest  # noqa: F401 - imported once here, inherited by every forked child
    from cosmic_ray import mutating
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome

    plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))
    plan["all_tests"] = args.all_tests

    def run_tests(_command: str, timeout: float) -> tuple[TestOutcome, str]:
        killed, output = forked_test_run(plan, args.tests, timeout)
        return (TestOutcome.KILLED if killed else TestOutcome.SURVIVED), output

    # cosmic-ray's own mutate-test-restore step, with the test run above instead of a new
    # process per mutant.
    mutating.run_tests = run_tests
    deadline = time.monotonic() + args.seconds
    with use_db(args.exec, WorkDB.Mode.open) as work_db:
        for item in work_db.pending_work_items:
            if time.monotonic() >= deadline:
                print("time limit reached")
                return 0
            result = mutating.mutate_and_test(item.mutations, "", args.per_mutant)
            work_db.set_result(item.job_id, result)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", help="write the test map here (baseline mode)")
    parser.add_argument("--module")
    parser.add_argument("--pristine")
    parser.add_argument("--exec", help="the cosmic-ray session to run (mutant mode)")
    parser.add_argument("--plan", help="the test map written by --record")
    parser.add_argument("--seconds", type=float, default=float("inf"))
    parser.add_argument("--per-mutant", type=float, default=60.0)
    parser.add_argument("--all-tests", action="store_true",
                        help="run every test against every mutant (to check the selection)")
    parser.add_argument("tests", nargs="+")
    args = parser.parse_args(argv)

    sys.dont_write_bytecode = True
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    # The mutated copy (the working directory), not the project installed in the venv.
    sys.path.insert(0, os.getcwd())
    import broadcast

    if not broadcast.__file__ or not broadcast.__file__.startswith(os.getcwd() + os.sep):
        print(f"worker.py: broadcast imported from {broadcast.__file__}, not the copy")
        return 3

    from hypothesis import settings

    settings.register_profile("mutation", derandomize=True, database=None, print_blob=False)
    settings.load_profile("mutation")
    if args.record:
        return record(args)
    if args.exec:
        return execute(args)
    parser.error("give --record or --exec")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
