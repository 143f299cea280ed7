"""Shared set-up of the caller-trust tests: the configuration of ``conftest.register`` plus the platform CA,
and a gateway with the production authenticator (certificates, IKD tokens, API keys)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from spbe.interop import ca, trust
from spbe.interop.auth import PlatformAuthenticator
from spbe.interop.config_document import build_snapshot, read_document
from spbe.interop.denials import DenialRecorder
from spbe.interop.gateway import Gateway, GatewayParts
from spbe.interop.identifiers import ClientId
from spbe.interop.refresher import SnapshotHolder
from spbe.interop.settings import GatewaySettings
from spbe.interop.tokens import GatewayTokens
from spbe.interop.upstream import UpstreamClient

ISSUER = "http://127.0.0.1:8000"


@dataclass
class ClientFiles:
    cert: Path
    key: Path
    serial: str
    fingerprint: str


def issue_files(session: Session, client: ClientId, folder: Path, days: int = 30) -> ClientFiles:
    """A client key and certificate for ``client``, written as PEM files (as ``cert issue --out`` does)."""
    private, key_pem = ca.new_client_key()
    issued = trust.issue_client_certificate(session, client, private.public_key(), actor="test", days=days)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "client.pem").write_text(issued.pem)
    (folder / "client.key").write_bytes(key_pem)
    return ClientFiles(folder / "client.pem", folder / "client.key", issued.serial, issued.fingerprint_sha256)


def snapshot_holder(session: Session) -> SnapshotHolder:
    return SnapshotHolder(build_snapshot(read_document(session)))


def refresh(holder: SnapshotHolder, session: Session) -> None:
    """What the refresher does after a configuration change."""
    holder.replace(build_snapshot(read_document(session)))


async def make_gateway(
    holder: SnapshotHolder, *, api_keys: bool = True, scope: str = "", audience: str | None = None
) -> Gateway:
    settings = GatewaySettings(max_message_bytes=4096, api_keys=api_keys)
    upstream = UpstreamClient(connect_timeout_s=1, max_response_bytes=settings.max_message_bytes)
    await upstream.start()
    tokens = GatewayTokens(ISSUER, scope=scope, audience=audience)
    authenticator = PlatformAuthenticator(tokens, api_keys=api_keys)
    return Gateway(GatewayParts(settings, holder, upstream, authenticator, denials=DenialRecorder(None)))
