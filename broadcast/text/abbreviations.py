"""Word tokens: abbreviations from the lexicon, Roman numerals in context, unknown acronyms.

Order of decisions for one token: signature-block and filing-line entries (by position),
kept names, the lexicon, Roman numerals after a heading word, compound tokens split on
their joiners (KH&CN, COVID-19, đồng/người), letter-digit mixes (H5N1, QL1A), then words in
capitals: a Vietnamese syllable is lowercased (MỤC ĐÍCH), anything else is spelled letter
by letter and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from broadcast.text.findings import (
    TextWarning,
    app_name,
    latin_word,
    unknown_abbreviation,
    web_address,
)
from broadcast.text.letters import is_vietnamese_syllable, spell
from broadcast.text.lexicon import Lexicon
from broadcast.text.numbers import read_integer, read_number_text, read_ordinal, roman_to_int
from broadcast.text.places import PLACE_PREFIXES, read_unit_prefix
from broadcast.text.unaccented import restore, split_syllables
from broadcast.text.units import PER_WORDS, UNIT_READINGS

# Words after which a Roman numeral is a number: "quý III", "Mục II", "khóa XV", "lần thứ XIV".
ROMAN_CONTEXT: frozenset[str] = frozenset(
    {
        "quý", "mục", "phần", "chương", "khóa", "khoá", "thứ", "kỳ", "kỷ", "hạng", "cấp", "loại",
        "đợt", "vùng", "đoạn", "bậc", "nhóm", "tập", "khu", "động", "lục", "hội", "quân",
    }
)
_ROMAN_TOKEN = re.compile(r"[IVX]+")
_ROMAN_YEAR = re.compile(r"([IVX]+)/([0-9]{4})")
_JOINER = re.compile(r"([&/.'’-])")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9-]+\.)+(?:vn|com|net|org|gov|edu|info)", re.IGNORECASE)
# Parts of a web address that are read as words, not spelled or restored.
_DOMAIN_PARTS = {"vn": "vê en", "www": "vê kép vê kép vê kép", "com": "com", "net": "nét"}
# Short parts that are not Vietnamese words are spelled ("gov" -> gờ o vê); longer ones are
# left for the voice, with a warning.
_SPELLED_PART_MAX = 4
# Driving licence classes after "hạng": A1, B2, C, FC... read letter by letter, no warning.
_LICENCE_CLASS = re.compile(r"[A-F][1-2]?|F[B-E]")
# "iHanoi", "eTax": the i-/e- prefix of an app name, as Vietnamese says it.
_APP_PREFIX = re.compile(r"([ie])([A-Z][a-z]+)")
_APP_PREFIX_READINGS = {"i": "ai", "e": "i"}
_ALNUM_PART = re.compile(r"[0-9]+|[^\W0-9_]+")


@dataclass
class WordContext:
    """Where a token stands: what decides its reading beyond the token itself."""

    lexicon: Lexicon
    previous: str = ""
    before_previous: str = ""
    line_start: bool = False
    filing_line: bool = False
    warnings: list[TextWarning] = field(default_factory=list)


def _roman_reading(token: str, ctx: WordContext) -> str | None:
    if not _ROMAN_TOKEN.fullmatch(token):
        return None
    value = roman_to_int(token)
    if value is None:
        return None
    context = ctx.previous
    if roman_to_int(context.upper()) is not None and ctx.before_previous in ROMAN_CONTEXT:
        context = ctx.before_previous  # "quý I, II"
    if context in ROMAN_CONTEXT:
        return read_ordinal(value) if context == "thứ" else read_integer(value)
    if len(token) >= 2:  # (I, V and X alone write at most 39: XXXIX)
        return read_integer(value)  # "RON95-III", "lớp XII": a Roman number, not letters
    return None


def _lexicon_reading(token: str, ctx: WordContext) -> str | None:
    lexicon = ctx.lexicon
    if ctx.line_start and token in lexicon.line_start:
        return lexicon.line_start[token]
    if ctx.filing_line and token in lexicon.filing:
        return lexicon.filing[token]
    if token in lexicon.keep:
        return token
    return lexicon.abbreviations.get(token)


def _read_capitals(token: str, ctx: WordContext) -> str:
    if is_vietnamese_syllable(token):
        return token.lower()
    spelled = spell(token)
    ctx.warnings.append(unknown_abbreviation(token, spelled))
    return spelled


def _read_domain_piece(piece: str) -> str:
    if piece in _DOMAIN_PARTS:
        return _DOMAIN_PARTS[piece]
    if piece.isdigit():
        return read_number_text(piece)
    restored = restore(piece)
    if restored is not None:
        return restored
    if len(piece) <= _SPELLED_PART_MAX and not is_vietnamese_syllable(piece):
        return spell(piece)
    syllables = split_syllables(piece)
    if syllables is not None:
        return " ".join(syllables)
    return spell(piece) if len(piece) <= _SPELLED_PART_MAX else piece


def _read_domain(token: str, ctx: WordContext) -> str:
    parts = [
        " ".join(_read_domain_piece(piece) for piece in part.split("-") if piece)
        for part in token.lower().split(".")
    ]
    reading = " chấm ".join(parts)
    ctx.warnings.append(web_address(token, reading))
    return reading


def _read_unit_prefixed(pieces: list[str], ctx: WordContext) -> str | None:
    """"P.7", "Q.Bình Thạnh", "TX.Sơn Tây" written without a space after the dot."""
    if len(pieces) < 3 or pieces[1] != "." or pieces[0] not in PLACE_PREFIXES:
        return None
    rest = "".join(pieces[2:])
    unit = read_unit_prefix(pieces[0], rest)
    if unit is None:
        return None
    return f"{unit} {read_word(rest, ctx)}"


def _read_compound(token: str, ctx: WordContext) -> str:
    if _DOMAIN.fullmatch(token):
        return _read_domain(token, ctx)
    pieces = _JOINER.split(token)
    prefixed = _read_unit_prefixed(pieces, ctx)
    if prefixed is not None:
        return prefixed
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            dotted = piece + "." if pieces[index + 1:index + 2] == ["."] else ""
            if piece and index > 0 and pieces[index - 1] == "/" and piece in UNIT_READINGS:
                out.append(UNIT_READINGS[piece])
            elif dotted and dotted in ctx.lexicon.abbreviations:
                out.append(ctx.lexicon.abbreviations[dotted])
            elif piece:
                out.append(read_word(piece, ctx))
            continue
        right = pieces[index + 1] if index + 1 < len(pieces) else ""
        if piece == "&":
            out.append("và")
        elif piece == "/" and right[:1].islower() and (
            right in PER_WORDS or right in UNIT_READINGS
        ):  # "đồng/người", "đồng/kWh"; not "KH/UBND", "USD/VND"
            out.append("một")
        elif piece == "." and right[:1].isupper() and pieces[index - 1].islower() and out:
            out[-1] += "."
    return " ".join(out)


def _read_alnum(token: str, ctx: WordContext) -> str:
    out: list[str] = []
    spelled_runs: list[str] = []
    used_lexicon = False
    for part in _ALNUM_PART.findall(token):
        if part[0].isdigit():
            out.append(read_number_text(part))
            continue
        known = _lexicon_reading(part, ctx)
        if known is not None:
            used_lexicon = True
            out.append(known)
        elif part.islower() or (len(part) > 1 and is_vietnamese_syllable(part)):
            out.append(part.lower() if part.isupper() else part)
        elif spell(part):
            spelled_runs.append(part)
            out.append(spell(part))
    reading = " ".join(out)
    if spelled_runs and (not used_lexicon or any(len(r) > 1 for r in spelled_runs)):
        ctx.warnings.append(unknown_abbreviation(token, reading))
    return reading


def _read_mixed_case(token: str, ctx: WordContext) -> str:
    """An app or brand name not in the lexicon: "iHanoi" reads "ai Hà Nội"; others stay."""
    prefixed = _APP_PREFIX.fullmatch(token)
    if prefixed is None:
        ctx.warnings.append(latin_word(token))
        return token
    rest = prefixed.group(2)
    reading = f"{_APP_PREFIX_READINGS[prefixed.group(1)]} {restore(rest) or rest}"
    ctx.warnings.append(app_name(token, reading))
    return reading


def _is_mixed_case(token: str) -> bool:
    return any(ch.isupper() for ch in token[1:]) and any(ch.islower() for ch in token)


def is_foreign_word(token: str) -> bool:
    """A word in Latin letters without diacritics that is not a Vietnamese syllable."""
    return token.isascii() and token.isalpha() and not is_vietnamese_syllable(token)


def read_word(token: str, ctx: WordContext) -> str:
    """The reading of one word token (no surrounding spaces or sentence punctuation)."""
    if token.islower() and token.isalpha():
        known = ctx.lexicon.abbreviations.get(token)
        if known is None and is_foreign_word(token):
            ctx.warnings.append(latin_word(token))
        return token if known is None else known
    known = _lexicon_reading(token, ctx)
    if known is not None:
        return known
    if ctx.previous == "hạng" and _LICENCE_CLASS.fullmatch(token):
        return spell(token)
    roman = _roman_reading(token, ctx)
    if roman is not None:
        return roman
    roman_year = _ROMAN_YEAR.fullmatch(token)
    if roman_year and (quarter := roman_to_int(roman_year.group(1))) is not None:
        return f"{read_integer(quarter)} năm {read_integer(int(roman_year.group(2)))}"
    if _JOINER.search(token):
        return _read_compound(token, ctx)
    if any(ch.isdigit() for ch in token):
        return _read_alnum(token, ctx)
    if token.isupper():
        if len(token) == 1:
            # A lone vowel reads as itself ("Y tế", "Nguyễn Văn A"); a consonant by its name.
            return token if is_vietnamese_syllable(token) else spell(token)
        return _read_capitals(token, ctx)
    if _is_mixed_case(token):
        return _read_mixed_case(token, ctx)
    if is_foreign_word(token):
        ctx.warnings.append(latin_word(token))
    return token
