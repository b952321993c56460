"""The agent's background loops outlive an unexpected error (a SQLite error, a bug)."""

import threading
from types import SimpleNamespace

from broadcast.cluster import agent as agent_module
from broadcast.cluster.agent import Agent


def test_a_loop_that_fails_is_logged_and_started_again(monkeypatch, caplog) -> None:
    monkeypatch.setattr(agent_module, "LOOP_RESTART_SECONDS", 0.01)
    runs = []

    def flaky_loop() -> None:
        runs.append(1)
        if len(runs) < 3:
            raise OSError(28, "No space left on device")

    fake = SimpleNamespace(stopped=threading.Event())
    worker = threading.Thread(target=Agent._supervised(fake, flaky_loop, "agent-outbox"))
    worker.start()
    worker.join(5)
    assert not worker.is_alive() and len(runs) == 3
    assert caplog.text.count("agent-outbox failed; starting it again") == 2


def test_a_stopped_agent_does_not_start_a_failed_loop_again() -> None:
    fake = SimpleNamespace(stopped=threading.Event())
    runs = []

    def failing_then_stopped() -> None:
        runs.append(1)
        fake.stopped.set()
        raise RuntimeError("bug")

    Agent._supervised(fake, failing_then_stopped, "agent-clock")()
    assert runs == [1]
