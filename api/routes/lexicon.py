"""The station lexicon ("Sửa cách đọc"): an editor proposes how a word is read, an approver
confirms it, and every later render reads it so (the programs are rendered again)."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api import schemas
from api import voice_schemas as vs
from api.auth import APPROVERS, EDITORS, READERS, Principal, requires
from api.context import AppContext
from api.errors import ApiError
from api.reading import preview_text
from api.routes.common import AUTH_ERRORS, Ctx, errors
from broadcast.store.lexicon import LexiconEntry
from broadcast.text.lexicon import with_readings
from broadcast.voices.station import current_lexicon

router = APIRouter(prefix="/api/lexicon", tags=["lexicon"], responses=AUTH_ERRORS)

EntryId = Annotated[int, Path(ge=1, le=2**62)]

# A reading is written the way it is spoken: letters (with diacritics), spaces, hyphens and
# the pauses "," and "." — no digits or symbols, which would be read again.
_READING = re.compile(r"^[^\W\d_]+(?:[ \-,.'][^\W\d_]*)*$")


def _entry_out(entry: LexiconEntry) -> vs.LexiconEntryOut:
    return vs.LexiconEntryOut.model_validate(entry, from_attributes=True)


def _checked(word: str, reading: str) -> tuple[str, str]:
    word = unicodedata.normalize("NFC", word).strip()
    reading = " ".join(unicodedata.normalize("NFC", reading).split())
    if not _READING.match(reading):
        raise ApiError(
            422,
            "Cách đọc chỉ gồm chữ cái (có dấu), dấu cách và dấu gạch nối; số hãy viết bằng "
            "chữ (ví dụ: “hai không hai lăm”).",
            code="reading_invalid",
        )
    if not any(ch.isalnum() for ch in word):
        raise ApiError(422, "Từ cần sửa cách đọc phải có chữ.", code="word_invalid")
    return word, reading


@router.get("", response_model=list[vs.LexiconEntryOut])
def list_entries(
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
    status_: Annotated[vs.LexiconStatus | None, Query(alias="status")] = None,
) -> list[vs.LexiconEntryOut]:
    """Proposed, approved, rejected and retired readings (filter with ``status``)."""
    return [_entry_out(e) for e in ctx.store.lexicon.list(status_)]


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=vs.LexiconEntryOut,
    responses=errors(404),
)
def propose(
    body: vs.LexiconProposal, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> vs.LexiconEntryOut:
    """Propose a reading for a word (as written in the script: "VNeID", "dichvucong.gov.vn",
    "online"); it is used once an approver confirms it."""
    word, reading = _checked(body.word, body.reading)
    if body.script_id is not None:
        ctx.store.scripts.get(body.script_id)  # 404 for a script that does not exist
    entry = ctx.store.lexicon.propose(
        word=word, reading=reading, by=who.name, note=body.note, script_id=body.script_id
    )
    return _entry_out(entry)


@router.post("/try", response_model=schemas.PreviewOut)
def try_reading(
    body: vs.LexiconTry, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.PreviewOut:
    """How ``text`` would read with this reading of ``word`` (nothing is saved)."""
    word, reading = _checked(body.word, body.reading)
    lexicon = with_readings(current_lexicon(ctx.settings, ctx.store).lexicon, {word: reading})
    return preview_text(body.text, lexicon)


def _decided(ctx: AppContext, entry: LexiconEntry) -> vs.LexiconEntryOut:
    ctx.timetable.changed()  # the readings changed: programs are rendered again
    return _entry_out(entry)


@router.post(
    "/{entry_id}/approve", response_model=vs.LexiconEntryOut, responses=errors(404, 409)
)
def approve(
    entry_id: EntryId, ctx: Ctx, who: Annotated[Principal, requires(APPROVERS)]
) -> vs.LexiconEntryOut:
    """Confirm a proposed reading into the station lexicon (the word's previous reading, if
    any, is retired). Every later render uses it."""
    return _decided(ctx, ctx.store.lexicon.approve(entry_id, by=who.name))


@router.post("/{entry_id}/reject", response_model=vs.LexiconEntryOut, responses=errors(404, 409))
def reject(
    entry_id: EntryId, ctx: Ctx, who: Annotated[Principal, requires(APPROVERS)]
) -> vs.LexiconEntryOut:
    return _entry_out(ctx.store.lexicon.reject(entry_id, by=who.name))


@router.delete("/{entry_id}", response_model=vs.LexiconEntryOut, responses=errors(404, 409))
def retire(
    entry_id: EntryId, ctx: Ctx, who: Annotated[Principal, requires(APPROVERS)]
) -> vs.LexiconEntryOut:
    """Take a reading out of use (an approved one: renders go back to the default reading)."""
    return _decided(ctx, ctx.store.lexicon.retire(entry_id, by=who.name))
