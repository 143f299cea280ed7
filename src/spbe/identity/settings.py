"""Settings of the identity module (``SPBE_IDENTITY_`` prefix), beside the core settings."""

from __future__ import annotations

from functools import lru_cache

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from spbe.core.config import Environment


class IdentitySettings(BaseSettings):
    """Mail delivery of one-time codes, lifetimes, and the developer mock mode.

    With no ``smtp_host`` the activation code is printed to the console log (development only; the
    NIK never is). ``mock_mode`` cannot be switched on when ``SPBE_ENV=production``.
    """

    model_config = SettingsConfigDict(env_prefix="SPBE_IDENTITY_", env_file=".env", extra="ignore")

    env: Environment = Environment.development
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_from: str = "ikd@spbe.go.id"
    mock_mode: bool = False
    access_token_ttl: int = 300
    id_token_ttl: int = 300
    refresh_token_ttl: int = 8 * 3600
    code_ttl: int = 60
    par_ttl: int = 60
    session_ttl: int = 3600
    max_failed_logins: int = 5
    lockout_seconds: int = 900
    login_throttle_limit: int = 20  # per client address and window, per worker (0: off; see throttle.py)
    login_throttle_window: int = 300

    @model_validator(mode="after")
    def _no_mock_in_production(self) -> IdentitySettings:
        if self.mock_mode and self.env is Environment.production:
            raise ValueError("SPBE_IDENTITY_MOCK_MODE cannot be enabled when SPBE_ENV=production")
        return self


@lru_cache(maxsize=1)
def identity_settings() -> IdentitySettings:
    import os

    return IdentitySettings(env=Environment(os.environ.get("SPBE_ENV", "development")))
