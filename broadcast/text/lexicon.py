"""The operator-editable lexicon: abbreviations, document types and issuers, kept names.

The shipped YAML (``lexicon.yaml`` beside this module) is merged with an optional
station-local YAML in the same format; a local entry replaces the shipped one of the same
key, section by section, and ``keep`` names are added together.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import yaml

from broadcast.errors import TextError

SHIPPED_LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")
LEXICON_VERSION = 1
MAPPING_SECTIONS: tuple[str, ...] = (
    "abbreviations",
    "line_start",
    "filing",
    "document_types",
    "issuers",
)

if TYPE_CHECKING:
    from broadcast.settings import Settings


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Lexicon:
    """Read-only reading tables; keys are exact-case (UBND differs from ubnd)."""

    abbreviations: Mapping[str, str] = field(default_factory=_frozen)
    line_start: Mapping[str, str] = field(default_factory=_frozen)
    filing: Mapping[str, str] = field(default_factory=_frozen)
    document_types: Mapping[str, str] = field(default_factory=_frozen)
    issuers: Mapping[str, str] = field(default_factory=_frozen)
    keep: frozenset[str] = frozenset()

    @property
    def entry_count(self) -> int:
        """Entries in all sections together."""
        return (
            sum(len(getattr(self, name)) for name in MAPPING_SECTIONS) + len(self.keep)
        )

    def merged_with(self, other: Lexicon) -> Lexicon:
        """This lexicon with ``other``'s entries replacing or adding to it."""
        merged = {
            name: _frozen({**getattr(self, name), **getattr(other, name)})
            for name in MAPPING_SECTIONS
        }
        return Lexicon(**merged, keep=self.keep | other.keep)


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value).strip()


def _parse_section(data: Mapping[str, Any], name: str, source: str) -> Mapping[str, str]:
    raw = data.get(name) or {}
    if not isinstance(raw, Mapping):
        raise TextError(
            f"Từ điển {source}: phần '{name}' phải là danh sách dạng 'chữ viết tắt: cách đọc'.",
            code="lexicon_invalid",
        )
    entries: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(value, str | int) or not str(value).strip():
            raise TextError(
                f"Từ điển {source}: mục '{key}' trong phần '{name}' chưa có cách đọc.",
                code="lexicon_invalid",
            )
        entries[_nfc(str(key))] = _nfc(str(value))
    return _frozen(entries)


def parse_lexicon(text: str, source: str = "") -> Lexicon:
    """Build a lexicon from YAML text (``source`` names the file in error messages)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TextError(
            f"Từ điển {source} không đọc được (lỗi cú pháp YAML): {exc}",
            code="lexicon_invalid",
        ) from exc
    if data is None:
        return Lexicon()
    if not isinstance(data, Mapping):
        raise TextError(f"Từ điển {source} không đúng định dạng.", code="lexicon_invalid")
    version = data.get("version", LEXICON_VERSION)
    if version != LEXICON_VERSION:
        raise TextError(
            f"Từ điển {source} có phiên bản {version}, Loa chỉ đọc phiên bản {LEXICON_VERSION}.",
            code="lexicon_version",
        )
    keep_raw = data.get("keep") or []
    if not isinstance(keep_raw, list):
        raise TextError(
            f"Từ điển {source}: phần 'keep' phải là danh sách tên.", code="lexicon_invalid"
        )
    sections = {name: _parse_section(data, name, source) for name in MAPPING_SECTIONS}
    return Lexicon(**sections, keep=frozenset(_nfc(str(name)) for name in keep_raw))


def _read_file(path: Path) -> Lexicon:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TextError(f"Không tìm thấy tệp từ điển: {path}", code="lexicon_not_found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TextError(
            f"Không đọc được tệp từ điển {path}: {exc}", code="lexicon_invalid"
        ) from exc
    return parse_lexicon(text, source=str(path))


@lru_cache(maxsize=1)
def shipped_lexicon() -> Lexicon:
    """The lexicon shipped with Loa (read once; it is read-only data)."""
    return _read_file(SHIPPED_LEXICON_PATH)


def load_lexicon(local_path: Path | None = None, *, missing_ok: bool = True) -> Lexicon:
    """The shipped lexicon, overridden by the station-local file when one is given.

    A station that has not written its own file yet gets the shipped lexicon; pass
    ``missing_ok=False`` when the path was set on purpose and must exist.
    """
    base = shipped_lexicon()
    if local_path is None or (missing_ok and not local_path.exists()):
        return base
    return base.merged_with(_read_file(local_path))


def station_lexicon(settings: Settings) -> Lexicon:
    """The lexicon a station reads with: the shipped one and the station's own file. A file
    the operator named on purpose (``BROADCAST_LEXICON_PATH``) must exist."""
    return load_lexicon(settings.local_lexicon, missing_ok=settings.lexicon_path is None)


def with_readings(lexicon: Lexicon, readings: Mapping[str, str]) -> Lexicon:
    """``lexicon`` with word -> reading entries that replace any reading of the same word
    (the station lexicon the editors corrected). A word written in lower case also covers
    its capitalized form at the start of a sentence ("online" and "Online")."""
    if not readings:
        return lexicon
    extra: dict[str, str] = {}
    for word, reading in readings.items():
        key, value = _nfc(word), _nfc(reading)
        extra[key] = value
        if key.islower():
            extra.setdefault(key[:1].upper() + key[1:], value)
    keep = lexicon.keep - extra.keys()
    merged = Lexicon(
        abbreviations=_frozen({**lexicon.abbreviations, **extra}),
        line_start=lexicon.line_start,
        filing=lexicon.filing,
        document_types=lexicon.document_types,
        issuers=lexicon.issuers,
        keep=frozenset(keep),
    )
    return merged
