"""Typed settings, read from the environment with the ``SPBE_`` prefix (and ``.env`` if present).

Secrets have no default in production. In development (the default) a missing secret is generated once
and stored under the data folder, so ``make run`` works on a fresh machine and restarts keep sessions.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from spbe.core.errors import ConfigurationError


class Environment(StrEnum):
    """Where the platform runs; production refuses generated secrets and demo shortcuts."""

    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    """Every setting of the platform. Each field is documented in ``.env.example``."""

    model_config = SettingsConfigDict(env_prefix="SPBE_", env_file=".env", extra="ignore")

    env: Environment = Environment.development
    data_dir: Path = Path("var")
    database_url: str | None = None
    secret_key: SecretStr | None = None
    public_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    default_locale: Literal["id", "en"] = "id"
    sql_echo: bool = False
    web_issuer: str | None = None
    web_client_id: str = "spbe-web"

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.env is Environment.production:
            if self.secret_key is None:
                raise ValueError("SPBE_SECRET_KEY must be set in production (no generated secrets there)")
            if self.database_url is None:
                raise ValueError("SPBE_DATABASE_URL must be set in production")
        return self

    @property
    def is_production(self) -> bool:
        return self.env is Environment.production

    @property
    def resolved_database_url(self) -> str:
        """The configured database, or SQLite under the data folder (the embedded default)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'spbe.db').resolve()}"

    def resolved_secret_key(self) -> str:
        """The secret used to seal private keys at rest; generated and stored in development."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _stored_development_secret(self.data_dir)


def _stored_development_secret(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o600)
    return value


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning a validation failure into a message that names each bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigurationError(_describe_settings_errors(exc)) from None


def _describe_settings_errors(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        name = f"SPBE_{field.upper()}" if field else "settings"
        lines.append(f"{name}: {error['msg']}")
    return "Invalid configuration — " + "; ".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own with ``load_settings``)."""
    return load_settings()
