"""The full text of what aired: each script the render read, at the revision it read.

The render records ``script_revisions`` ({script id: revision}); the scripts' revision history
holds the text of every revision, so a script edited (or re-approved) after the airing still
gives the text that was heard. Order: the program's script segments as they are when the
transcript is made (right after the airing); scripts the render read that the program no
longer names come after them, by id. A script file (a segment with a path, not a stored script)
has no revision history: its text is read from the file as it is then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from broadcast.errors import BroadcastError
from broadcast.programs import Program
from broadcast.store.publications import TranscriptPart
from broadcast.store.renders import RenderRecord
from broadcast.store.scripts import ScriptRevision

log = logging.getLogger(__name__)

RevisionLookup = Callable[[int, int], ScriptRevision]
FileLookup = Callable[[str], tuple[str, str]]  # path -> (title, text)


def transcript_of(
    render: RenderRecord,
    program: Program | None,
    revision: RevisionLookup,
    script_file: FileLookup | None = None,
) -> list[TranscriptPart]:
    """The parts of the transcript of one render; a script whose text cannot be found any
    more (deleted with its history) is left out, and logged."""
    parts: list[TranscriptPart] = []
    done: set[int] = set()

    def stored(script_id: int) -> None:
        number = render.script_revisions.get(script_id)
        if number is None or script_id in done:
            return
        done.add(script_id)
        try:
            found = revision(script_id, number)
        except BroadcastError as exc:
            log.warning("transcript of render %d: script %d: %s", render.id, script_id, exc)
            return
        parts.append(TranscriptPart(found.title, found.text, script_id, number))

    for segment in program.segments if program is not None else ():
        if segment.kind != "script":
            continue
        if segment.script_id is not None:
            stored(segment.script_id)
        elif segment.path is not None and script_file is not None:
            try:
                title, text = script_file(segment.path)
            except BroadcastError as exc:
                log.warning("transcript of render %d: %s: %s", render.id, segment.path, exc)
                continue
            parts.append(TranscriptPart(title, text))
    for script_id in sorted(render.script_revisions):
        stored(script_id)
    return parts
