"""Compare Loa's reading with vinorm 2.0.7 on the case table (developer tool, not a test).

vinorm is not a project dependency. Install it in any Python (a throwaway virtualenv is
best) and point this tool at that interpreter:

    python3 -m venv /tmp/vinormenv && /tmp/vinormenv/bin/pip install vinorm==2.0.7
    .venv/bin/python tools/compare_vinorm.py --vinorm-python /tmp/vinormenv/bin/python

Both readings are compared after the same canonicalization (lowercase, punctuation removed,
one tone-placement style), because vinorm lowercases and re-spaces everything.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from broadcast.text.normalize import normalize_for_speech  # noqa: E402

CASES_PATH = ROOT / "tests" / "text" / "cases.yaml"

_VINORM_RUNNER = """
import json, sys
from vinorm import TTSnorm
texts = json.load(sys.stdin)
out = []
for text in texts:
    try:
        out.append(TTSnorm(text, punc=False, unknown=True, lower=True, rule=False))
    except Exception as exc:  # vinorm fails on some inputs: count as wrong
        out.append("<error: %s>" % exc)
json.dump(out, sys.stdout, ensure_ascii=False)
"""

# Old and new tone placement (hoà/hòa, uỷ/ủy) are the same reading, in open syllables only.
_TONE_STYLE = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
_TONE_STYLE_RE = re.compile("(" + "|".join(_TONE_STYLE) + r")\b")
_NOT_WORD = re.compile(r"[^\w]+")
# Spelling variants of the same spoken words, merged only for the lenient score.
_LENIENT = ((re.compile(r"\bkí lô\b"), "ki lô"), (re.compile(r"\bngàn\b"), "nghìn"),
            (re.compile(r"\blẻ\b"), "linh"))


def canonical(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = _TONE_STYLE_RE.sub(lambda m: _TONE_STYLE[m.group(1)], text)
    return " ".join(_NOT_WORD.sub(" ", text).split())


def lenient(text: str) -> str:
    text = canonical(text)
    for pattern, replacement in _LENIENT:
        text = pattern.sub(replacement, text)
    return text


def run_vinorm(python: str, texts: list[str]) -> list[str]:
    completed = subprocess.run(
        [python, "-c", _VINORM_RUNNER],
        input=json.dumps(texts, ensure_ascii=False),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: list[str] = json.loads(completed.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vinorm-python", default=sys.executable,
                        help="a Python interpreter where vinorm 2.0.7 is installed")
    parser.add_argument("--show", type=int, default=15, help="how many vinorm misses to print")
    args = parser.parse_args()

    cases = [(c["in"], c["out"]) for c in yaml.safe_load(CASES_PATH.read_text(encoding="utf-8"))]
    sources = [source for source, _ in cases]
    try:
        vinorm_out = run_vinorm(args.vinorm_python, sources)
    except (subprocess.CalledProcessError, OSError, json.JSONDecodeError) as exc:
        print(f"vinorm did not run with {args.vinorm_python}: {exc}", file=sys.stderr)
        return 2

    loa_ok = vinorm_ok = vinorm_lenient_ok = 0
    misses: list[tuple[str, str, str]] = []
    for (source, expected), vin in zip(cases, vinorm_out, strict=True):
        want = canonical(expected)
        if canonical(normalize_for_speech(source)) == want:
            loa_ok += 1
        vinorm_lenient_ok += lenient(vin) == lenient(expected)
        if canonical(vin) == want:
            vinorm_ok += 1
        else:
            misses.append((source, expected, vin))
    total = len(cases)
    print(f"cases: {total}")
    print(f"loa:    {loa_ok}/{total} = {100 * loa_ok / total:.1f}%")
    print(f"vinorm: {vinorm_ok}/{total} = {100 * vinorm_ok / total:.1f}%")
    print(f"vinorm, lenient (kí lô = ki lô, ngàn = nghìn, lẻ = linh): "
          f"{vinorm_lenient_ok}/{total} = {100 * vinorm_lenient_ok / total:.1f}%")
    for source, expected, vin in misses[: args.show]:
        print(f"\n  in:     {source}\n  want:   {canonical(expected)}\n  vinorm: {canonical(vin)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
