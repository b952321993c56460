"""A password written in a server URL never reaches an error message."""

import pytest

from broadcast.cluster.mqtt_bus import parse_mqtt_url
from broadcast.errors import BroadcastError
from broadcast.station.icecast_output import icecast_target
from broadcast.urls import without_password


def test_without_password_keeps_everything_but_the_password() -> None:
    assert without_password("mqtt://loa:Bi-mat9@10.0.0.2:1883") == "mqtt://loa:***@10.0.0.2:1883"
    assert without_password("http://10.0.0.2:8000/dai") == "http://10.0.0.2:8000/dai"
    assert without_password("http://source:p@ss@h:8000/x") == "http://source:***@h:8000/x"


@pytest.mark.parametrize(
    ("check", "url"),
    [
        (parse_mqtt_url, "mqtts//loa:Bi-mat9@10.0.0.2"),
        (parse_mqtt_url, "mqtt://loa:Bi-mat9@10.0.0.2:cong"),
        (lambda url: icecast_target(url, "dai"), "ftp://source:Bi-mat9@10.0.0.2:8000"),
    ],
)
def test_a_bad_server_url_is_refused_without_showing_its_password(check, url) -> None:
    with pytest.raises(BroadcastError) as refused:
        check(url)
    assert "Bi-mat9" not in refused.value.message
    assert "10.0.0.2" in refused.value.message or "mqtts" in refused.value.message
