"""Document codes of Vietnamese legal documents, read as a listener understands them.

"179/KH-UBND" -> "kế hoạch số một trăm bảy mươi chín của ủy ban nhân dân";
"39/2020/TT-BTTTT" -> "thông tư số ba mươi chín năm hai nghìn không trăm hai mươi của bộ
thông tin và truyền thông". When the text already names the document ("Kế hoạch số
179/KH-UBND", "Nghị quyết 57-NQ/TW", "văn bản số ..."), neither the type nor "số" is repeated.
The drafting unit after the issuer ("UBND-VP") is not read: a listener does not need it.
"""

from __future__ import annotations

import re

from broadcast.text.findings import TextWarning, unknown_issuer
from broadcast.text.letters import spell
from broadcast.text.lexicon import Lexicon
from broadcast.text.numbers import read_integer, read_number_text

DOC_CODE_PATTERN = (
    r"(?P<doc_num>[0-9]{1,5})(?:/(?P<doc_year>(?:19|20)[0-9][0-9]))?[-/]"
    r"(?P<doc_sym>[A-ZĐ][A-Za-zĐđ]*[0-9]*(?:[-/.&][A-ZĐ][A-Za-zĐđ]*[0-9]*)*)(?![\w])"
)

_SEGMENT_SPLIT = re.compile(r"[-/.]")
_ENDS_WITH_SO = re.compile(r"(?:^|\W)số$")
_PARLIAMENT = re.compile(r"QH([0-9]{1,2})")


def _issuer_reading(segment: str, lexicon: Lexicon) -> tuple[str, TextWarning | None]:
    if segment in lexicon.issuers:
        return lexicon.issuers[segment], None
    parliament = _PARLIAMENT.fullmatch(segment)
    if parliament:
        return f"quốc hội khóa {read_integer(int(parliament.group(1)))}", None
    if segment in lexicon.abbreviations:
        return lexicon.abbreviations[segment], None
    spelled = spell(segment)
    return spelled, unknown_issuer(segment, spelled)


def _is_issuer(segment: str, lexicon: Lexicon) -> bool:
    return segment in lexicon.issuers or bool(_PARLIAMENT.fullmatch(segment))


def read_document_code(
    number: str,
    year: str | None,
    symbol: str,
    lexicon: Lexicon,
    preceding: str = "",
) -> tuple[str, list[TextWarning]] | None:
    """Reading of a code, or None when ``symbol`` is not a known document type or issuer.

    ``preceding`` is the text just before the code (a few words are enough).
    """
    segments = [s for s in _SEGMENT_SPLIT.split(symbol) if s]
    doc_type: str | None = None
    issuer_segment: str | None = None
    if segments[0] in lexicon.document_types:
        doc_type = lexicon.document_types[segments[0]]
        issuer_segment = segments[1] if len(segments) > 1 else None
    elif _is_issuer(segments[0], lexicon):
        issuer_segment = segments[0]
    else:
        return None

    warnings: list[TextWarning] = []
    body = read_number_text(number)
    if year is not None:
        body += f" năm {read_integer(int(year))}"
    if issuer_segment is not None:
        issuer, warning = _issuer_reading(issuer_segment, lexicon)
        body += f" của {issuer}"
        if warning is not None:
            warnings.append(warning)

    tail = preceding.rstrip(" :").lower()
    if _ENDS_WITH_SO.search(tail):
        return body, warnings
    if doc_type is not None and tail.endswith(doc_type):
        return f"số {body}", warnings
    head = f"{doc_type} số" if doc_type is not None else "số"
    return f"{head} {body}", warnings
