"""What a relying party may learn: scopes and the ``claims`` parameter mapped to resident attributes,
and the two assurance axes (``acr`` for authentication, ``identity_level`` for identity proofing).

The NIK is released only under its own ``nik`` scope (a legal basis the RP is registered for); the
``claims`` parameter can pick attributes inside the granted scopes, never add one outside them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from spbe.core.i18n import N_
from spbe.identity.models import Account, Resident

ACR_PASSWORD = "urn:ikd:acr:password"  # noqa: S105
ACR_OTP = "urn:ikd:acr:password-otp"
ACR_PASSKEY = "urn:ikd:acr:passkey"  # later session: WebAuthn
ACR_ORDER = (ACR_PASSWORD, ACR_OTP, ACR_PASSKEY)
IDENTITY_LEVELS = ("self_asserted", "register_matched", "in_person_verified")

SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "openid": ("sub",),
    "profile": ("name", "birthdate", "gender", "birth_place"),
    "address": ("address",),
    "email": ("email", "email_verified"),
    "phone": ("phone_number",),
    "nik": ("nik",),
    "family": ("family_card_number",),
}
SUPPORTED_SCOPES = tuple(SCOPE_CLAIMS)
ALWAYS = ("sub", "identity_level")
CLAIM_LABELS: dict[str, str] = {
    "name": N_("Full name"),
    "birthdate": N_("Date of birth"),
    "gender": N_("Sex"),
    "birth_place": N_("Place of birth"),
    "address": N_("Address"),
    "email": N_("Email address"),
    "email_verified": N_("Whether your email address is verified"),
    "phone_number": N_("Phone number"),
    "nik": N_("NIK (population identity number)"),
    "family_card_number": N_("Family card (KK) number"),
}


def acr_for(amr: Iterable[str]) -> str:
    methods = set(amr)
    if "hwk" in methods:
        return ACR_PASSKEY
    return ACR_OTP if "otp" in methods else ACR_PASSWORD


def acr_satisfies(achieved: str, requested: Iterable[str]) -> bool:
    """Whether the achieved ``acr`` is at least one of the requested values (empty: anything goes)."""
    wanted = [value for value in requested if value in ACR_ORDER]
    if not wanted:
        return True
    return ACR_ORDER.index(achieved) >= min(ACR_ORDER.index(value) for value in wanted)


def parse_claims_parameter(raw: str | None) -> dict[str, Any] | None:
    """The OIDC ``claims`` request parameter as a dict (None when absent); ValueError when malformed."""
    if not raw:
        return None
    value = json.loads(raw)
    if not isinstance(value, dict) or not all(key in ("userinfo", "id_token") for key in value):
        raise ValueError("claims must be an object with userinfo and/or id_token members")
    for member in value.values():
        if member is not None and not isinstance(member, dict):
            raise ValueError("claims members must be objects")
    return value


def scope_claims(scope: str) -> set[str]:
    return {claim for name in scope.split() for claim in SCOPE_CLAIMS.get(name, ())}


def released_claims(scope: str, claims_request: Mapping[str, Any] | None, target: str) -> set[str]:
    """Names released to ``target`` (``userinfo`` or ``id_token``), bounded by the granted scopes.

    Userinfo gets every claim of the granted scopes; the ID token only those asked for by name in
    ``claims.id_token`` (the access token is how an RP reaches the rest, OIDC Core §5.4).
    """
    allowed = scope_claims(scope)
    if target == "userinfo":
        asked = set((claims_request or {}).get("userinfo") or {})
        return allowed | (asked & allowed)
    return set((claims_request or {}).get("id_token") or {}) & allowed


def consent_claims(scope: str, claims_request: Mapping[str, Any] | None) -> list[str]:
    """The personal claims a consent must cover, in a stable order (``sub`` needs none)."""
    names = released_claims(scope, claims_request, "userinfo") | released_claims(scope, claims_request, "id_token")
    return [name for name in CLAIM_LABELS if name in names]


def resident_claims(resident: Resident, account: Account, names: Iterable[str]) -> dict[str, Any]:
    """The values of ``names`` for one resident (unknown names are skipped)."""
    values: dict[str, Any] = {
        "name": resident.name,
        "birthdate": resident.birth_date.isoformat(),
        "gender": resident.sex,
        "birth_place": resident.birth_place,
        "address": {
            "formatted": resident.address,
            "region_code": resident.village_code,
            "country": "ID",
        },
        "email": account.email,
        "email_verified": account.activated_at is not None,
        "phone_number": account.phone,
        "nik": resident.nik,
        "family_card_number": resident.kk_number,
    }
    return {name: values[name] for name in names if name in values and values[name] is not None}
