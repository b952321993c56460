"""The single normalization entry point the render pipeline calls.

Administrative Vietnamese becomes what a trained Northern announcer reads: numbers,
dates, times, units, document codes and abbreviations in words; quotes, brackets, list
markers and stray symbols dropped; sentence punctuation kept so engines pause. Lines are
kept (one output line per non-empty input line) so headings stay separate sentences.

One pass per line: a master regex finds the tokens that need reading (phone numbers,
document codes, numeric runs, words) and each is replaced by its reading, looking only at
the few words around it for context.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from broadcast.text.abbreviations import WordContext, is_foreign_word, read_word
from broadcast.text.doc_codes import DOC_CODE_PATTERN, read_document_code
from broadcast.text.findings import (
    NormalizedText,
    TextWarning,
    digits_left,
    latin_word,
    symbol_left,
)
from broadcast.text.lexicon import Lexicon, shipped_lexicon
from broadcast.text.numeric import RUN_PATTERN, read_numeric_run
from broadcast.text.phones import PHONE_PATTERN, read_phone
from broadcast.text.places import read_organ_prefix, read_unit_prefix
from broadcast.text.scripts_check import foreign_scripts, mixed_script_warning

__all__ = [
    "NormalizedText",
    "TextWarning",
    "normalize_for_speech",
    "normalize_lines",
    "normalize_with_warnings",
]

_MASTER = re.compile(
    PHONE_PATTERN
    + r"|(?P<hotline>(?<![\w.,])1[89]00[ .]?[0-9]{3,4}(?:[ .][0-9]{2,3})?(?![\w]))"
    r"|(?<![\w.,/])" + DOC_CODE_PATTERN
    + r"|(?P<run>" + RUN_PATTERN + r")"
    r"|(?P<word>[IVX]+/[0-9]{4}(?![\w])|[^\W_]+(?:[&.'’-][^\W_]+|/[^\W\d_][^\W_]*)*)(?P<dot>\.)?"
)

_LIST_MARKER = re.compile(
    r"(?:[-+*•●○◦▪■□►▸➢✓✔·–—]+\s*"
    r"|\(?[a-zđ]\)\s+"
    r"|[0-9]{1,2}(?:\.[0-9]{1,2})*[.)]\s+"
    r"|[IVX]{1,5}[.)]\s+)"
)
_FILING_LINE = re.compile(r"(?i)lưu\s*:")
_WORDS = re.compile(r"[^\W\d_]+")
_NEXT_WORD = re.compile(r"[\s(“\"'‘]*([^\W\d_]+)")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\ufeff\u00ad]")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c]")

# "./." closes a document; ".." is a typo, "..." an ellipsis.
_END_OF_DOCUMENT = re.compile(r"\./\.|(?<!\.)\.\.(?!\.)")
_LONE_PERCENT = re.compile(r"\s*%")
_DASH_PAUSE = re.compile(r"\s+[-–—]+\s+|\s*[–—]+\s*")
# Brackets are not read, but the announcer pauses around an aside.
_BRACKET_PAUSE = re.compile(r"\s*[()\[\]]\s*")
_SILENT = re.compile(r"[\"“”„‟‘’'`«»‹›{}*#•●○◦▪■□►▸➢✓✔|~^_<>=\\/+·-]")
_UNREADABLE = re.compile(r"[^\w\s.,;:!?…]")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?…])")
_REPEATED_COMMA = re.compile(r",(?:\s*,)+")
_COMMA_BEFORE_STOP = re.compile(r",\s*([.;:!?…])")
_COMMA_AFTER_STOP = re.compile(r"([.;:!?])\s*,")
_SPACE_AFTER_PUNCT = re.compile(r"([,;:!?])(?=[^\s.,;:!?…])")
_LEADING_PUNCT = re.compile(r"^[\s.,;:!?…]+")
_DIGITS = re.compile(r"\d+")

# A web address is read by its host only; "@" in an e-mail is "a còng"; Km15+200 is "cộng".
_URL = re.compile(r"(?i)\bhttps?://(?:www\.)?([^/\s]+?)(?:/\S*?)?(?=[.,;:!?)]*(?:\s|$))")
_EMAIL_AT = re.compile(r"(?<=\w)@(?=\w)")
_CHAINAGE_PLUS = re.compile(r"(?<=[0-9])\+(?=[0-9])")
_TRAILING_COMMA = re.compile(r"[\s,]+$")
_WINDOW = 48
# Superscript and full-width digits are read as digits (m² stays a unit: m2 is one too).
_DIGIT_FORMS = str.maketrans(
    "⁰¹²³⁴⁵⁶⁷⁸⁹０１２３４５６７８９", "01234567890123456789"
)


class _LineReader:
    """Replaces the tokens of one line; collects warnings."""

    def __init__(self, line: str, lexicon: Lexicon, warnings: list[TextWarning]) -> None:
        self.line = line
        self.lexicon = lexicon
        self.warnings = warnings
        self.filing_line = bool(_FILING_LINE.match(line))

    def _previous_words(self, start: int) -> list[str]:
        window = self.line[max(0, start - _WINDOW):start]
        return [w.lower() for w in _WORDS.findall(window)[-2:]]

    def _next_word(self, end: int) -> str:
        found = _NEXT_WORD.match(self.line, end)
        return found.group(1).lower() if found else ""

    def replace(self, m: re.Match[str]) -> str:
        if m.group("word") is not None:
            return self._word(m)
        if m.group("doc_num") is not None:
            return self._doc_code(m)
        if m.group("run") is not None:
            previous = self._previous_words(m.start())
            return read_numeric_run(
                m.group("run").lstrip("-"),
                previous,
                self._next_word(m.end()),
                minus=m.group("minus") is not None,
            )
        # What is left is a phone or hotline number.
        number = m.group(0)
        reading = read_phone(number)
        if reading is not None:
            return reading
        # Too short for a phone number: "01.02.2024" is a date.
        return read_numeric_run(number, self._previous_words(m.start()), self._next_word(m.end()))

    def _doc_code(self, m: re.Match[str]) -> str:
        preceding = self.line[max(0, m.start() - _WINDOW):m.start()]
        result = read_document_code(
            m.group("doc_num"), m.group("doc_year"), m.group("doc_sym"), self.lexicon, preceding
        )
        if result is None:
            number_part = m.group(0)[: m.start("doc_sym") - m.start()]
            ctx = self._context(m.start())
            number = read_numeric_run(number_part.rstrip("-/"), self._previous_words(m.start()), "")
            return f"{number} {read_word(m.group('doc_sym'), ctx)}"
        reading, warnings = result
        self.warnings.extend(warnings)
        return reading

    def _context(self, start: int) -> WordContext:
        previous = self._previous_words(start)
        return WordContext(
            lexicon=self.lexicon,
            previous=previous[-1] if previous else "",
            before_previous=previous[-2] if len(previous) > 1 else "",
            line_start=start == 0,
            filing_line=self.filing_line,
            warnings=self.warnings,
        )

    def _word(self, m: re.Match[str]) -> str:
        token = m.group("word")
        dot = m.group("dot") or ""
        if not token.isascii() and foreign_scripts(token):
            self.warnings.append(mixed_script_warning(token))
        if token.islower() and token.isalpha() and token not in self.lexicon.abbreviations:
            if is_foreign_word(token):
                self.warnings.append(latin_word(token))
            return token + dot
        ctx = self._context(m.start())
        rest = self.line[m.end():]
        if dot:
            dotted = token + "."
            known = None
            if ctx.line_start:
                known = self.lexicon.line_start.get(dotted)
            if known is None:
                known = read_unit_prefix(token, rest, self.lexicon.abbreviations)
                if known is not None:
                    return known
            if known is None:
                known = self.lexicon.abbreviations.get(dotted)
            if known is not None:
                rest = rest.lstrip()
                keep_dot = not rest or (token.islower() and rest[:1].isupper())
                return known + ("." if keep_dot else "")
        elif token not in self.lexicon.abbreviations:
            organ = read_organ_prefix(token, rest, self.lexicon.abbreviations)
            if organ is not None:
                return organ
        return read_word(token, ctx) + dot


def _clean(text: str, warnings: list[TextWarning]) -> str:
    text = _END_OF_DOCUMENT.sub(".", text)
    text = _LONE_PERCENT.sub(" phần trăm", text)
    text = _DASH_PAUSE.sub(", ", text)
    text = _BRACKET_PAUSE.sub(", ", text)
    text = text.replace("&", " và ")
    text = _SILENT.sub(" ", text)
    for symbol in _UNREADABLE.findall(text):
        warnings.append(symbol_left(symbol))
    text = _UNREADABLE.sub(" ", text)
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _REPEATED_COMMA.sub(",", text)
    text = _COMMA_BEFORE_STOP.sub(r"\1", text)
    text = _COMMA_AFTER_STOP.sub(r"\1", text)
    text = _SPACE_AFTER_PUNCT.sub(r"\1 ", text)
    text = _LEADING_PUNCT.sub("", text)
    text = _TRAILING_COMMA.sub("", text)
    for digits in _DIGITS.findall(text):
        warnings.append(digits_left(digits))
    return _SPACES.sub(" ", text).strip()


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(_DIGIT_FORMS)
    text = _INVISIBLE.sub("", text)
    text = _URL.sub(r"\1", text)
    text = _EMAIL_AT.sub(" a còng ", text)
    text = _CHAINAGE_PLUS.sub(" cộng ", text)
    return _NEWLINES.sub("\n", text)


def _normalize_line(line: str, lexicon: Lexicon, warnings: list[TextWarning]) -> str:
    line = _SPACES.sub(" ", line).strip()
    marker = _LIST_MARKER.match(line)
    if marker:
        line = line[marker.end():]
    if not line:
        return ""
    reader = _LineReader(line, lexicon, warnings)
    text = _MASTER.sub(reader.replace, line)
    return unicodedata.normalize("NFC", _clean(text, warnings))


def normalize_with_warnings(text: str, lexicon: Lexicon | None = None) -> NormalizedText:
    """The reading of ``text`` (one line per non-empty input line) and the warnings found."""
    lex = lexicon if lexicon is not None else shipped_lexicon()
    warnings: list[TextWarning] = []
    lines = (_normalize_line(line, lex, warnings) for line in _prepare(text).split("\n"))
    return NormalizedText("\n".join(line for line in lines if line), warnings)


def normalize_for_speech(text: str, lexicon: Lexicon | None = None) -> str:
    """Return ``text`` as an engine should read it (NFC, expanded, sentence punctuation kept)."""
    return normalize_with_warnings(text, lexicon).text


def normalize_lines(lines: Iterable[str], lexicon: Lexicon | None = None) -> Iterator[str]:
    """Exactly one normalized line per input line (an empty line stays empty)."""
    lex = lexicon if lexicon is not None else shipped_lexicon()
    for line in lines:
        flat = _prepare(line.rstrip("\r\n")).replace("\n", " ")
        yield _normalize_line(flat, lex, [])
