"""Speaker clusters through the API: add (token once), list, remove; slots and announcements
that name clusters; the log and the airtime report per cluster; health without a broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from broadcast.cluster.broker_files import broker_hash_matches, token_hash
from broadcast.scheduling.model import Outcome
from tests.api.conftest import Api
from tests.api.helpers import approved_program


def add(api: Api, cluster_id: str, zone: str = "") -> dict:
    response = api.client.post(
        "/api/clusters", json={"id": cluster_id, "name": f"Thôn {cluster_id}", "zone": zone},
        headers=api.auth("admin"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_a_cluster_is_added_with_a_token_shown_once_and_kept_only_as_hashes(api: Api) -> None:
    created = add(api, "thon-1", "bac")
    token = created["token"]
    assert token.startswith("loa_c_") and len(token) > 40
    record = api.store.clusters.find("thon-1")
    assert record is not None and token not in (record.token_hash, record.broker_hash)
    assert record.token_hash == token_hash(token)
    assert broker_hash_matches(token, record.broker_hash)
    assert not broker_hash_matches("loa_c_other", record.broker_hash)
    listed = api.client.get("/api/clusters", headers=api.auth("operator")).json()
    assert [c["id"] for c in listed] == ["local", "thon-1"]
    assert "token" not in listed[1]
    assert listed[1]["online"] is False and listed[1]["in_sync"] is False
    # The token opens the agents' routes, and only for that cluster.
    clock = api.client.get("/api/agent/time", headers={"Authorization": f"Bearer {token}"})
    assert clock.status_code == 200 and clock.json()["cluster"] == "thon-1"
    assert clock.json()["received"] <= clock.json()["sent"]


def test_ids_are_checked_and_reserved_names_refused(api: Api) -> None:
    add(api, "thon-2")
    again = api.client.post("/api/clusters", json={"id": "thon-2", "name": "X"},
                            headers=api.auth("admin"))
    assert again.status_code == 409 and again.json()["code"] == "duplicate_id"
    for bad in ("Thôn 3", "a/b", "thon+1", ""):
        response = api.client.post("/api/clusters", json={"id": bad, "name": "X"},
                                   headers=api.auth("admin"))
        assert response.status_code == 422, bad
    local = api.client.post("/api/clusters", json={"id": "local", "name": "X"},
                            headers=api.auth("admin"))
    assert local.status_code == 422 and local.json()["code"] == "reserved_id"


def test_slots_name_clusters_and_clash_only_where_they_share_one(api: Api) -> None:
    add(api, "thon-1")
    add(api, "thon-2")
    program = approved_program(api)
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()

    def slot(**extra: object) -> object:
        body = {"program_id": program["id"], "time": "06:00:00", "date": day, **extra}
        return api.client.post("/api/slots", json=body, headers=api.auth("editor"))

    first = slot(clusters=["thon-1"])
    assert first.status_code == 201, first.text
    assert first.json()["clusters"] == ["thon-1"]
    assert slot(clusters=["thon-2", "local"]).status_code == 201
    # Where they share a cluster, two one-offs at one instant are refused (with the offer to
    # replace the other airing); so is one with no choice: every cluster, it meets them all.
    clash = slot(clusters=["thon-1", "thon-2"])
    assert clash.status_code == 422 and clash.json()["code"] == "same_start", clash.text
    everywhere = slot()
    assert everywhere.status_code == 422 and everywhere.json()["code"] == "same_start"
    overlap = slot(clusters=["thon-1"], time="06:00:30")  # not the same start: a clash
    assert overlap.status_code == 409, overlap.text
    unknown = slot(clusters=["thon-9"], time="07:00:00")
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_cluster"
    # PATCH can widen a slot to every cluster (null) when nothing else is there.
    moved = api.client.patch(f"/api/slots/{first.json()['id']}",
                             json={"time": "08:00:00", "clusters": None},
                             headers=api.auth("editor"))
    assert moved.status_code == 200 and moved.json()["clusters"] is None
    # A cluster that slots name cannot be removed.
    refused = api.client.delete("/api/clusters/thon-2", headers=api.auth("admin"))
    assert refused.status_code == 409 and refused.json()["code"] == "cluster_in_use"


def test_an_announcement_goes_to_listed_clusters_or_a_zone(api: Api) -> None:
    add(api, "thon-1", "bac")
    add(api, "thon-2", "bac")
    add(api, "thon-3", "nam")
    script_id = approved_program(api)["segments"][1]["script_id"]
    to_zone = api.client.post("/api/announcements", json={"script_id": script_id, "zone": "bac"},
                              headers=api.auth("operator"))
    assert to_zone.status_code == 201, to_zone.text
    assert to_zone.json()["clusters"] == ["thon-1", "thon-2"]
    assert api.station.calls[-1][-1]["clusters"] == frozenset({"thon-1", "thon-2"})
    listed = api.client.post(
        "/api/announcements", json={"script_id": script_id, "clusters": ["local", "thon-3"]},
        headers=api.auth("operator"),
    )
    assert listed.json()["clusters"] == ["local", "thon-3"]
    nowhere = api.client.post("/api/announcements",
                              json={"script_id": script_id, "zone": "tay"},
                              headers=api.auth("operator"))
    assert nowhere.status_code == 422 and nowhere.json()["code"] == "unknown_zone"


def test_the_log_and_the_airtime_report_per_cluster(api: Api) -> None:
    start = datetime(2031, 5, 4, 0, 0, tzinfo=UTC)
    for cluster, minutes in (("local", 10), ("thon-1", 10), ("thon-2", 4)):
        api.store.as_run.append(
            slot_id="s", program_id="p", priority="normal", scheduled_start=start,
            cluster=cluster, actual_start=start, end=start + timedelta(minutes=minutes),
            outcome=Outcome.AIRED, topic="cds", program_title="P",
        )
    headers = api.auth("operator")
    mine = api.client.get("/api/log?cluster=thon-1", headers=headers).json()
    assert [e["cluster"] for e in mine] == ["thon-1"]
    assert len(api.client.get("/api/log", headers=headers).json()) == 3
    rows = api.client.get("/api/reports/airtime?from=2031-05&to=2031-05", headers=headers).json()
    assert [(r["cluster"], r["minutes"]) for r in rows] == [
        ("local", 10.0), ("thon-1", 10.0), ("thon-2", 4.0)
    ]
    only = api.client.get("/api/reports/airtime?from=2031-05&to=2031-05&cluster=thon-2",
                          headers=headers).json()
    assert [(r["cluster"], r["broadcasts"]) for r in only] == [("thon-2", 1)]


def test_health_says_clusters_without_a_broker_cannot_be_reached(api: Api) -> None:
    assert api.client.get("/api/health").json()["status"] == "ok"
    add(api, "thon-1")
    health = api.client.get("/api/health").json()
    assert health["status"] == "degraded"
    part = next(c for c in health["components"] if c["name"] == "clusters")
    assert part["ok"] is False and "BROADCAST_MQTT_URL" in part["detail"]
    # Removing the cluster removes its token too.
    token_check = api.clusters.cluster_for_token
    assert api.client.delete("/api/clusters/thon-1", headers=api.auth("admin")).status_code == 200
    assert token_check("anything") is None
    assert api.client.get("/api/health").json()["status"] == "ok"
