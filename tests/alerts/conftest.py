"""A local SMTP server (aiosmtpd, with STARTTLS and a login) and a local webhook receiver
(a real HTTP server) that record what reached them."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.store.conftest import db_url, postgres_url  # noqa: F401 - shared fixtures

SMTP_USER = "canhbao@xa.gov.vn"
SMTP_PASSWORD = "mật-khẩu-thư-2025"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server accepted: (envelope recipients, parsed message, login)."""

    received: list[tuple[list[str], EmailMessage, str | None]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        data = session.auth_data
        login = data.login.decode() if isinstance(data, LoginPassword) else None
        self.received.append((list(envelope.rcpt_tos), message, login))  # type: ignore[arg-type]
        return "250 OK"

    def wait(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.time() + timeout
        while len(self.received) < count and time.time() < deadline:
            time.sleep(0.02)


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = (
        isinstance(data, LoginPassword)
        and data.login.decode() == SMTP_USER
        and data.password.decode() == SMTP_PASSWORD
    )
    return AuthResult(success=ok, handled=False, auth_data=data)


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox
    server_context: ssl.SSLContext
    client_context: ssl.SSLContext
    controller: Controller | None = None

    def start(self) -> None:
        """(Re)start on the same port, requiring STARTTLS and a login."""
        self.controller = Controller(
            self.mailbox, hostname=self.host, port=self.port,
            tls_context=self.server_context, require_starttls=True,
            authenticator=_authenticate, auth_require_tls=True,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


@pytest.fixture
def smtp_server(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(str(cert), str(key))
    client_context = ssl.create_default_context(cafile=str(cert))
    server = SmtpServer("127.0.0.1", free_port(), Mailbox(), server_context, client_context)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class WebhookReceiver:
    url: str
    bodies: list[dict[str, Any]] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    port = free_port()
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{port}/loa/canh-bao?token=bi-mat")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if receiver.status < 300:
                receiver.bodies.append(json.loads(body.decode("utf-8")))
                receiver.content_types.append(self.headers.get("Content-Type", ""))
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
