"""The speaker clusters the station drives (their tokens only as hashes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from broadcast.errors import StoreError
from broadcast.store.base import Repository
from broadcast.store.models import ClusterRow


@dataclass(frozen=True)
class ClusterRecord:
    id: str
    name: str
    zone: str
    token_hash: str  # sha256 hex of the token
    broker_hash: str  # the token in the broker's password-file form
    created_at: datetime


def _record(row: ClusterRow) -> ClusterRecord:
    return ClusterRecord(
        id=row.id,
        name=row.name,
        zone=row.zone,
        token_hash=row.token_hash,
        broker_hash=row.broker_hash,
        created_at=row.created_at,
    )


def cluster_not_found(cluster_id: str) -> StoreError:
    return StoreError(f"Không tìm thấy cụm loa {cluster_id!r}", code="not_found")


class ClusterRepo(Repository):
    def create(
        self,
        *,
        cluster_id: str,
        name: str,
        zone: str,
        token_hash: str,
        broker_hash: str,
        now: datetime | None = None,
    ) -> ClusterRecord:
        """``duplicate_id`` if a cluster already has this id."""
        with self._session() as session:
            if session.get(ClusterRow, cluster_id) is not None:
                raise StoreError(f"Mã cụm loa {cluster_id!r} đã có", code="duplicate_id")
            row = ClusterRow(
                id=cluster_id, name=name, zone=zone, token_hash=token_hash,
                broker_hash=broker_hash, created_at=self._now(now),
            )
            session.add(row)
            session.flush()
            return _record(row)

    def list(self) -> list[ClusterRecord]:
        with self._session() as session:
            return [_record(r) for r in session.scalars(select(ClusterRow).order_by(ClusterRow.id))]

    def find(self, cluster_id: str) -> ClusterRecord | None:
        with self._session() as session:
            row = session.get(ClusterRow, cluster_id)
            return None if row is None else _record(row)

    def delete(self, cluster_id: str) -> None:
        with self._session() as session:
            row = session.get(ClusterRow, cluster_id)
            if row is None:
                raise cluster_not_found(cluster_id)
            session.delete(row)
