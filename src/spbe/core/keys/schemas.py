"""Shapes of the key store: key states, key summaries and the published JSON Web Key Set."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class KeyStatus(StrEnum):
    """The life of a key: published as ``next``, signs while ``active``, only verifies once ``retired``."""

    next = "next"
    active = "active"
    retired = "retired"


class Purpose(StrEnum):
    """What a key signs. ``platform``: the audit log and platform tokens; ``oidc``: the IKD provider."""

    platform = "platform"
    oidc = "oidc"


class SigningKeyOut(BaseModel):
    """A key as listed to operators; never the private part."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    kid: str
    purpose: str
    algorithm: str
    status: KeyStatus
    created_at: dt.datetime
    activated_at: dt.datetime | None
    retired_at: dt.datetime | None


class RotationResult(BaseModel):
    """What ``rotate`` did: which key was retired, which now signs, which is published next."""

    model_config = ConfigDict(frozen=True)

    purpose: str
    retired: list[str]
    active: str
    next: str


class JsonWebKeySet(BaseModel):
    """RFC 7517 JWK Set (``/.well-known/jwks.json``)."""

    keys: list[dict[str, Any]]
