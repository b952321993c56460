"""Podcast feeds: RSS 2.0 with the iTunes podcast namespace (pure: data in, XML bytes out).

What Apple Podcasts and the common apps read: channel title, link, description, language,
``itunes:author``/``owner``/``image``/``category``/``explicit``; per item a stable ``guid``
(not a link: addresses may change, the guid must not), ``pubDate`` (RFC 822, the station's
offset), ``enclosure`` (url, length, type), ``itunes:duration``, and the transcript as HTML in
``description``.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from broadcast.publishing.wording import clock_duration, paragraphs
from broadcast.store.publications import TranscriptPart

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
PODCAST = "https://podcastindex.org/namespace/1.0"

for _prefix, _uri in (("itunes", ITUNES), ("atom", ATOM), ("podcast", PODCAST)):
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class Channel:
    title: str
    description: str
    link: str  # the public page this feed belongs to
    feed_url: str  # the feed's own address (atom:link rel="self")
    image_url: str
    author: str
    owner_name: str
    owner_email: str | None
    category: str
    language: str = "vi"


@dataclass(frozen=True)
class FeedItem:
    guid: str
    title: str
    link: str
    published: datetime  # aware, in the station's time zone
    audio_url: str
    audio_bytes: int
    duration_seconds: float
    transcript: Sequence[TranscriptPart]
    column: str
    transcript_url: str | None = None  # a page with the full text (podcast:transcript)


def transcript_html(parts: Sequence[TranscriptPart], *, headings: bool | None = None) -> str:
    """The transcript as HTML paragraphs (text escaped); each part under its title when there
    is more than one part (or when ``headings`` says so)."""
    show = len(parts) > 1 if headings is None else headings
    out: list[str] = []
    for part in parts:
        if show and part.title.strip():
            out.append(f"<h3>{html.escape(part.title.strip())}</h3>")
        out.extend(f"<p>{html.escape(p)}</p>" for p in paragraphs(part.text))
    return "\n".join(out)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def rss(channel: Channel, items: Sequence[FeedItem], *, built: datetime) -> bytes:
    """The feed document (UTF-8 XML). ``built``: when it was made (lastBuildDate)."""
    root = ET.Element("rss", {"version": "2.0"})
    ch = _sub(root, "channel")
    _sub(ch, "title", channel.title)
    _sub(ch, "link", channel.link)
    _sub(ch, "description", channel.description)
    _sub(ch, "language", channel.language)
    _sub(ch, "generator", "Loa")
    _sub(ch, "lastBuildDate", format_datetime(built))
    if items:
        _sub(ch, "pubDate", format_datetime(max(i.published for i in items)))
    _sub(ch, "ttl", "15")
    _sub(ch, f"{{{ATOM}}}link", href=channel.feed_url, rel="self", type="application/rss+xml")
    image = _sub(ch, "image")
    _sub(image, "url", channel.image_url)
    _sub(image, "title", channel.title)
    _sub(image, "link", channel.link)
    _sub(ch, f"{{{ITUNES}}}author", channel.author)
    owner = _sub(ch, f"{{{ITUNES}}}owner")
    _sub(owner, f"{{{ITUNES}}}name", channel.owner_name)
    if channel.owner_email:
        _sub(owner, f"{{{ITUNES}}}email", channel.owner_email)
    _sub(ch, f"{{{ITUNES}}}image", href=channel.image_url)
    _sub(ch, f"{{{ITUNES}}}category", text=channel.category)
    _sub(ch, f"{{{ITUNES}}}explicit", "false")
    _sub(ch, f"{{{ITUNES}}}type", "episodic")
    _sub(ch, f"{{{ITUNES}}}summary", channel.description)
    for item in items:
        node = _sub(ch, "item")
        _sub(node, "title", item.title)
        _sub(node, "link", item.link)
        _sub(node, "guid", item.guid, isPermaLink="false")
        _sub(node, "pubDate", format_datetime(item.published))
        _sub(node, "description", transcript_html(item.transcript))
        _sub(node, "category", item.column)
        _sub(
            node, "enclosure",
            url=item.audio_url, length=str(item.audio_bytes), type="audio/mpeg",
        )
        _sub(node, f"{{{ITUNES}}}title", item.title)
        _sub(node, f"{{{ITUNES}}}author", channel.author)
        _sub(node, f"{{{ITUNES}}}duration", clock_duration(item.duration_seconds))
        _sub(node, f"{{{ITUNES}}}explicit", "false")
        _sub(node, f"{{{ITUNES}}}episodeType", "full")
        if item.transcript_url:
            _sub(node, f"{{{PODCAST}}}transcript", url=item.transcript_url, type="text/html",
                 language=channel.language)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
