"""Gateway settings (``SPBE_INTEROP_*``), separate from the core settings so a gateway node can be tuned
alone. Every field is documented in docs/modules/interop.md."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class LogMode(StrEnum):
    """What the message log keeps: nothing, metadata (default) or metadata plus encrypted bodies."""

    off = "off"
    metadata = "metadata"
    bodies = "bodies"


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPBE_INTEROP_", env_file=".env", extra="ignore")

    instance: str = "ID"
    node_id: str = "gw1"
    max_message_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_uri_length: int = Field(default=2000, ge=100)
    connect_timeout_ms: int = Field(default=5000, ge=1)
    refresh_seconds: float = Field(default=5.0, gt=0)
    log_mode: LogMode = LogMode.metadata
    log_dir: Path | None = None
    log_segment_bytes: int = Field(default=64 * 1024 * 1024, ge=4096)
    log_retention_days: int = Field(default=180, ge=1)
    # A segment is also closed at this age (0: by size only), so a quiet node's records become exportable.
    log_segment_seconds: int = Field(default=86400, ge=0)
    # How often each writer anchors its stream's durable position in the database (msglog/anchors.py).
    log_anchor_seconds: float = Field(default=2.0, gt=0)
    # Development only: trust X-Road-Client on loopback without any credential (ignored in production).
    trust_loopback: bool = False
    api_keys: bool = True  # accept X-SPLP-Api-Key (development / legacy); certificates and tokens always work
    # IKD access tokens: issuer (default SPBE_PUBLIC_URL), accepted audience (default the issuer), required scope.
    token_issuer: str | None = None
    token_audience: str | None = None
    token_scope: str = ""
    # TLS on the gateway's own server (spbe interop gateway, spbe serve --only interop): PEM files.
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None  # the platform CA bundle (spbe interop ca export)
    quota_workers: int = Field(default=1, ge=1)
    demo_backend: bool = True

    @model_validator(mode="after")
    def _tls_pair(self) -> GatewaySettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("SPBE_INTEROP_TLS_CERT and SPBE_INTEROP_TLS_KEY go together")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise ValueError("SPBE_INTEROP_TLS_CLIENT_CA needs SPBE_INTEROP_TLS_CERT and SPBE_INTEROP_TLS_KEY")
        return self

    def resolved_log_dir(self, data_dir: Path) -> Path:
        return self.log_dir or (data_dir / "interop" / "msglog")


@lru_cache(maxsize=1)
def get_gateway_settings() -> GatewaySettings:
    return GatewaySettings()
