"""Held-out accuracy of Loa's Vietnamese normalizer (and optionally vinorm's) on
tests/text/heldout/heldout.yaml.

A sentence counts as read correctly when the words of the output equal the words of the
expected reading after both are lowercased, NFC-normalized, stripped of punctuation and
whitespace-collapsed. By default the old/new tone placement of "oa/oe/uy" syllables
(hoá/hóa, thuỷ/thủy) is also unified, since both spell the same spoken word; pass
--strict-spelling to disable that.

Usage:
    .venv/bin/python tools/heldout_accuracy.py [--vinorm-python /tmp/vinormenv/bin/python]
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES = REPO_ROOT / "tests" / "text" / "heldout" / "heldout.yaml"

_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
# Old-style tone placement at the end of a syllable: "hoá", "khoẻ", "thuỷ" (not "quý").
_OLD_STYLE_TONE = re.compile(
    rf"(?:(o)([ae])|(?<!q)(u)(y))([{_TONE_MARKS}])(?![\w\u0300-\u036f])"
)

# vinorm 2.0.7 with its default options, one input per line of JSON on stdin.
_VINORM_RUNNER = """
import json, sys
from vinorm import TTSnorm
texts = json.load(sys.stdin)
json.dump([TTSnorm(t) for t in texts], sys.stdout, ensure_ascii=False)
"""


@dataclass(frozen=True)
class HeldoutCase:
    text: str
    reading: str


@dataclass(frozen=True)
class Failure:
    case: HeldoutCase
    got: str


@dataclass(frozen=True)
class Score:
    total: int
    failures: list[Failure]

    @property
    def correct(self) -> int:
        return self.total - len(self.failures)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def load_cases(path: Path) -> list[HeldoutCase]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise SystemExit(f"{path}: expected a list of {{text, reading}} entries")
    cases = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict) or not {"text", "reading"} <= entry.keys():
            raise SystemExit(f"{path}: entry {index} lacks text/reading")
        cases.append(HeldoutCase(text=str(entry["text"]), reading=str(entry["reading"])))
    return cases


def _new_style_tone(match: re.Match[str]) -> str:
    first = match.group(1) or match.group(3)
    second = match.group(2) or match.group(4)
    return first + match.group(5) + second


def comparable(text: str, *, unify_tone_placement: bool = True) -> str:
    """The words of `text`: lowercase, NFC, punctuation removed, whitespace collapsed."""
    lowered = unicodedata.normalize("NFC", text).lower()
    words_only = "".join(
        " " if unicodedata.category(char).startswith("P") else char for char in lowered
    )
    if unify_tone_placement:
        decomposed = unicodedata.normalize("NFD", words_only)
        words_only = unicodedata.normalize("NFC", _OLD_STYLE_TONE.sub(_new_style_tone, decomposed))
    return " ".join(words_only.split())


def score(
    cases: Sequence[HeldoutCase], readings: Sequence[str], *, unify_tone_placement: bool
) -> Score:
    failures = [
        Failure(case=case, got=got)
        for case, got in zip(cases, readings, strict=True)
        if comparable(case.reading, unify_tone_placement=unify_tone_placement)
        != comparable(got, unify_tone_placement=unify_tone_placement)
    ]
    return Score(total=len(cases), failures=failures)


def word_diff(expected: str, got: str) -> str:
    """Compact diff of the comparable words: [-expected-] {+got+}."""
    want, have = expected.split(), got.split()
    pieces: list[str] = []
    matcher = difflib.SequenceMatcher(a=want, b=have, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            continue
        removed, added = " ".join(want[a0:a1]), " ".join(have[b0:b1])
        pieces.append(f"[-{removed}-] {{+{added}+}}" if removed and added
                      else f"[-{removed}-]" if removed else f"{{+{added}+}}")
    return "; ".join(pieces)


def loa_readings(texts: Sequence[str]) -> list[str]:
    sys.path.insert(0, str(REPO_ROOT))
    from broadcast.text.normalize import normalize_for_speech

    return [normalize_for_speech(text) for text in texts]


def vinorm_readings(texts: Sequence[str], python: Path) -> list[str]:
    completed = subprocess.run(
        [str(python), "-c", _VINORM_RUNNER],
        input=json.dumps(list(texts), ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        cwd="/tmp",
    )
    if completed.returncode != 0:
        raise SystemExit(f"vinorm failed ({python}):\n{completed.stderr}")
    readings = json.loads(completed.stdout)
    return [str(reading) for reading in readings]


def print_report(
    name: str, result: Score, *, show_failures: bool, unify_tone_placement: bool
) -> None:
    print(f"{name}: {result.correct}/{result.total} = {result.accuracy:.1%}")
    if not show_failures:
        return
    for number, failure in enumerate(result.failures, start=1):
        expected = comparable(failure.case.reading, unify_tone_placement=unify_tone_placement)
        got = comparable(failure.got, unify_tone_placement=unify_tone_placement)
        print(f"\n  [{name} failure {number}] {failure.case.text}")
        print(f"    expected: {failure.case.reading}")
        print(f"    got:      {failure.got}")
        print(f"    diff:     {word_diff(expected, got)}")
    print()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument(
        "--vinorm-python",
        type=Path,
        help="a python interpreter with vinorm installed (e.g. /tmp/vinormenv/bin/python)",
    )
    parser.add_argument("--show-vinorm-failures", action="store_true")
    parser.add_argument(
        "--strict-spelling",
        action="store_true",
        help="do not unify old/new tone placement (hoá/hóa) before comparing",
    )
    args = parser.parse_args(argv)
    unify = not args.strict_spelling

    cases = load_cases(args.cases)
    texts = [case.text for case in cases]
    print(f"held-out sentences: {len(cases)} ({args.cases})")

    systems: list[tuple[str, Callable[[], list[str]], bool]] = [
        ("loa", lambda: loa_readings(texts), True)
    ]
    if args.vinorm_python is not None:
        vinorm_python: Path = args.vinorm_python
        systems.append(
            ("vinorm", lambda: vinorm_readings(texts, vinorm_python), args.show_vinorm_failures)
        )
    for name, read_all, show in systems:
        result = score(cases, read_all(), unify_tone_placement=unify)
        print_report(name, result, show_failures=show, unify_tone_placement=unify)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
