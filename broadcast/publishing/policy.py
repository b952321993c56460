"""Which aired programmes are published, and for how long (pure: no clock, no store)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from broadcast.scheduling.model import Outcome
from broadcast.settings import Settings
from broadcast.store.asrun import LOCAL, AsRunEntry

# Only a programme heard from start to end is published: "interrupted" (cut by an emergency or
# by the operator), "missed", "failed", "skipped" never are.
PUBLISHED_OUTCOMES: tuple[Outcome, ...] = (Outcome.AIRED, Outcome.LATE)
EVERY_TOPIC = "*"


@dataclass(frozen=True)
class PublishPolicy:
    topics: frozenset[str]  # the columns opted in
    every_topic: bool  # "*": every column
    announcements: bool  # announcements (emergency, priority) are published too
    retention: timedelta

    @classmethod
    def of(
        cls, topics: Iterable[str], *, announcements: bool = False, retention_days: int = 90
    ) -> PublishPolicy:
        wanted = frozenset(t.strip() for t in topics)
        return cls(
            topics=wanted - {EVERY_TOPIC},
            every_topic=EVERY_TOPIC in wanted,
            announcements=announcements,
            retention=timedelta(days=retention_days),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> PublishPolicy:
        return cls.of(
            settings.publish_topics,
            announcements=settings.publish_announcements,
            retention_days=settings.publish_retention_days,
        )

    @property
    def enabled(self) -> bool:
        return self.every_topic or bool(self.topics)

    def publishes_topic(self, topic: str) -> bool:
        return self.every_topic or topic in self.topics

    def public_since(self, now: datetime) -> datetime:
        """Items aired before this instant are past the retention: no longer public."""
        return now - self.retention


def refusal(entry: AsRunEntry, policy: PublishPolicy) -> str | None:
    """Why this as-run entry is not published (a stable English code), or None if it is."""
    if entry.cluster != LOCAL:
        return "other_cluster"  # the station's own airing is the one published
    if entry.outcome not in PUBLISHED_OUTCOMES or entry.actual_start is None:
        return "not_aired_whole"
    if entry.render_id is None:
        return "no_render"
    if entry.announcement_id is not None and not policy.announcements:
        return "announcement"
    if not policy.publishes_topic(entry.topic):
        return "column_not_published"
    return None
