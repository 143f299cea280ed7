"""Settings: typed, prefixed, documented in .env.example, strict in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spbe.core.config import Settings, load_settings
from spbe.core.errors import ConfigurationError

ENV_EXAMPLE = Path(__file__).parents[2] / ".env.example"


def test_env_example_lists_exactly_the_settings() -> None:
    documented = set(re.findall(r"^(SPBE_[A-Z_]+)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))
    expected = {f"SPBE_{name.upper()}" for name in Settings.model_fields}
    assert documented == expected


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPBE_PORT", "eighty")
    with pytest.raises(ConfigurationError, match="SPBE_PORT"):
        load_settings()


def test_production_requires_a_secret_and_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPBE_DATABASE_URL", raising=False)
    monkeypatch.delenv("SPBE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SPBE_SECRET_KEY"):
        load_settings(env="production", data_dir=tmp_path, database_url="postgresql+psycopg://x@y/z")
    with pytest.raises(ConfigurationError, match="SPBE_DATABASE_URL"):
        load_settings(env="production", data_dir=tmp_path, secret_key="s" * 40)


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = load_settings(env="development", data_dir=tmp_path)
    first = settings.resolved_secret_key()
    assert len(first) >= 32
    assert load_settings(env="development", data_dir=tmp_path).resolved_secret_key() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_sqlite_under_the_data_dir_is_the_default(tmp_path: Path) -> None:
    url = load_settings(data_dir=tmp_path, database_url=None).resolved_database_url
    assert url == f"sqlite:///{tmp_path.resolve() / 'spbe.db'}"
