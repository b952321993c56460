"""Alerts by e-mail, with the standard library's SMTP client.

``security``: ``"starttls"`` (port 587, the usual submission port), ``"ssl"`` (implicit TLS,
port 465) or ``"none"`` (a relay on the local network). The password is only ever sent to
the server, never logged.
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid

from broadcast.alerts.wording import AlertMessage
from broadcast.errors import AlertDeliveryError

SECURITY_MODES = ("starttls", "ssl", "none")


@dataclass
class SmtpNotifier:
    host: str
    sender: str
    recipients: list[str]
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)
    name: str = "email"

    def send(self, message: AlertMessage) -> None:
        # The legacy Header encoder keeps the spaces of a Vietnamese subject inside its
        # encoded words; email.policy.default folds "Lập: 2" into "Lập:2" (CPython 3.11).
        mail = MIMEText(message.text, "plain", "utf-8")
        mail["Subject"] = Header(message.subject, "utf-8")  # type: ignore[assignment]
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        context = self.ssl_context or ssl.create_default_context()
        try:
            if self.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.security == "starttls":
                    client.starttls(context=context)
                if self.user:
                    _login(client, self.user, self.password or "")
                client.send_message(mail)
        except smtplib.SMTPAuthenticationError as exc:
            raise AlertDeliveryError(
                f"Máy chủ thư {self.host}:{self.port} từ chối tên đăng nhập/mật khẩu "
                f"({exc.smtp_code}).",
                code="smtp_auth_failed",
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise AlertDeliveryError(
                f"Không gửi được thư cảnh báo qua {self.host}:{self.port}: {exc}",
                code="smtp_failed",
            ) from exc


def _login(client: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib's login encodes as ASCII; a password with Vietnamese letters goes as UTF-8
    in AUTH PLAIN (RFC 4616), which servers accept."""
    if (user + password).isascii():
        client.login(user, password)
        return
    client.ehlo_or_helo_if_needed()
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, reply = client.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)
