"""Each cluster's plan from the station's airings (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from broadcast.cluster.plans import plans_for
from broadcast.cluster.protocol import AudioRef
from broadcast.programs import Program
from broadcast.scheduling.model import AiringKey, Priority
from broadcast.station.planner import Airing

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T = datetime(2031, 3, 4, 6, 0, tzinfo=TZ)


def airing(slot: str, minutes: int, clusters: frozenset[str] | None = None, *,
           skipped: bool = False, program: str = "p") -> Airing:
    at = T + timedelta(minutes=minutes)
    return Airing(AiringKey.of_slot(slot, at), program, Priority.NORMAL, at, at,
                  clusters=clusters, skipped=skipped)


def test_each_cluster_gets_what_airs_on_it_with_its_audio() -> None:
    airings = [
        airing("all", 0),
        airing("north", 10, frozenset({"thon-1", "local"})),
        airing("south", 20, frozenset({"thon-2"})),
        airing("off", 30, skipped=True),
        airing("broken", 40, program="q"),
    ]
    programs = {"p": Program("p", "Bản tin", "cds", ()), "q": Program("q", "Hỏng", "", ())}
    audio = {"p": AudioRef("b" * 64, 10, 1.0)}
    plans = plans_for(["thon-1", "thon-2"], airings, programs, audio,
                      {"q": "Không dựng được."}, TZ, issued_at=T, until=T + timedelta(hours=26))
    assert [i.slot for i in plans["thon-1"].items] == ["all", "north", "broken"]
    assert [i.slot for i in plans["thon-2"].items] == ["all", "south", "broken"]
    first = plans["thon-1"].items[0]
    assert first.audio == audio["p"] and first.title == "Bản tin" and first.topic == "cds"
    broken = plans["thon-2"].items[-1]
    assert broken.audio is None and broken.error == "Không dựng được."
    assert plans["thon-1"].version != plans["thon-2"].version


def test_clusters_that_air_the_same_share_one_plan_content() -> None:
    plans = plans_for(["a", "b", "c"], [airing("all", 0)], {}, {}, {}, TZ,
                      issued_at=T, until=T + timedelta(hours=1))
    assert plans["a"].items is plans["c"].items
    assert len({p.version for p in plans.values()}) == 1
