"""The reading preview of a script: each sentence beside how the engines will read it."""

from __future__ import annotations

from api import schemas
from broadcast.text.findings import CORRECTABLE
from broadcast.text.lexicon import Lexicon
from broadcast.text.preview import preview_script


def preview_text(text: str, lexicon: Lexicon) -> schemas.PreviewOut:
    return schemas.PreviewOut(
        sentences=[
            schemas.SentenceOut(
                original=row.original,
                reading=row.reading,
                warnings=[
                    schemas.WarningOut(
                        code=w.code, token=w.token, message=w.message,
                        correctable=w.code in CORRECTABLE,
                    )
                    for w in row.warnings
                ],
            )
            for row in preview_script(text, lexicon)
        ]
    )
