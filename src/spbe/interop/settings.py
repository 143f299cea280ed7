"""Gateway settings (``SPBE_INTEROP_*``), separate from the core settings so a gateway node can be tuned
alone. Every field is documented in docs/modules/interop.md."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field
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
    # TEMPORARY (until mTLS / OAuth client credentials): trust X-Road-Client on loopback without a key.
    trust_loopback: bool = False
    quota_workers: int = Field(default=1, ge=1)
    demo_backend: bool = True

    def resolved_log_dir(self, data_dir: Path) -> Path:
        return self.log_dir or (data_dir / "interop" / "msglog")


@lru_cache(maxsize=1)
def get_gateway_settings() -> GatewaySettings:
    return GatewaySettings()
