"""Delivering one-time codes: real SMTP when configured, else the console log (development only)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from spbe.core.errors import ConfigurationError
from spbe.identity.settings import identity_settings

logger = logging.getLogger("spbe.identity")


def send_code(recipient: str, code: str, account_ref: str, purpose: str) -> None:
    """Send ``code`` to ``recipient``; ``account_ref`` is the internal account id (never a NIK)."""
    settings = identity_settings()
    if settings.smtp_host is None:
        if settings.env.value == "production":
            raise ConfigurationError("SPBE_IDENTITY_SMTP_HOST must be set in production.")
        logger.warning("one-time %s code for account %s: %s", purpose, account_ref, code)
        return
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = recipient
    message["Subject"] = "Kode verifikasi IKD / IKD verification code"
    message.set_content(
        f"Kode verifikasi Anda: {code}\nYour verification code: {code}\n\n"
        "Jangan berikan kode ini kepada siapa pun. / Never share this code."
    )
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)
