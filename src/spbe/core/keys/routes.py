"""The platform's public signing keys, for anyone verifying its tokens and signatures."""

from __future__ import annotations

from fastapi import APIRouter, Response

from spbe.core.deps import DbSession
from spbe.core.keys import service
from spbe.core.keys.schemas import JsonWebKeySet
from spbe.core.security import public

router = APIRouter(tags=["keys"])

JWKS_MAX_AGE = 300  # seconds; a new key is published as ``next`` long before it signs


@router.get(
    "/.well-known/jwks.json",
    dependencies=[public],
    summary="Public signing keys (JWKS): active, next and recently retired",
    response_model=JsonWebKeySet,
)
def jwks(session: DbSession, response: Response) -> JsonWebKeySet:
    """RFC 7517 key set. Keys are created on first use; until then the set is empty."""
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return service.jwks(session)
