"""Mock mode for agency developers (like Singpass's MockPass): one-click sign-in as a test persona.

With ``SPBE_IDENTITY_MOCK_MODE=true`` (refused when ``SPBE_ENV=production``) the sign-in page lists the
personas of ``data/mock_personas.json`` — residents of different identity levels, ages and regions, and
one staff member — and signs in as one without a password. Everything issued from such a session is
marked: ``acr`` ``urn:ikd:acr:mock`` and ``amr`` ``["mock"]``, so no real RP can mistake it for a real
sign-in; when mock mode is switched off, mock sessions stop counting (``sessions.end_user``). Every IKD
page shows a MOCK MODE banner.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.db import utcnow
from spbe.core.errors import Forbidden, NotFound
from spbe.core.nik.parser import NikFields, Sex, compose_nik
from spbe.core.templating import get_environment
from spbe.identity import accounts, repository, secrets
from spbe.identity.accounts import Subject
from spbe.identity.models import Account, Resident, StaffAccount
from spbe.identity.sessions import ACR_MOCK, AMR_MOCK
from spbe.identity.settings import identity_settings

PERSONAS_FILE = Path(__file__).resolve().parent / "data" / "mock_personas.json"
__all__ = ["ACR_MOCK", "AMR_MOCK", "Persona", "enabled", "personas", "seed_mock_personas", "sign_in_subject"]


@dataclass(frozen=True)
class Persona:
    id: str
    kind: str  # resident | staff
    label: str
    data: dict[str, Any]

    @property
    def nik(self) -> str:
        """The persona's NIK (residents): real region code, birth date, sex, a 99xx serial."""
        sex = Sex(self.data["sex"])
        birth = dt.date.fromisoformat(self.data["birth_date"])
        return compose_nik(NikFields(self.data["village"][:8], birth, sex, int(self.data["serial"])))


def enabled() -> bool:
    return identity_settings().mock_mode


@cache
def personas() -> tuple[Persona, ...]:
    raw = json.loads(PERSONAS_FILE.read_text(encoding="utf-8"))
    return tuple(Persona(item["id"], item["kind"], item["label"], item) for item in raw["personas"])


def persona(persona_id: str) -> Persona:
    found = next((item for item in personas() if item.id == persona_id), None)
    if found is None:
        raise NotFound("No such test persona.")
    return found


def sign_in_subject(session: Session, persona_id: str) -> Subject:
    """The subject of a persona (created on first use); refused unless mock mode is on. Audited."""
    if not enabled():
        raise Forbidden("Mock sign-in is available only in mock mode (development).")
    chosen = persona(persona_id)
    subject = _ensure(session, chosen)
    audit.append(
        session,
        actor=f"mock:{chosen.id}",
        action="identity.login.mock",
        object_type="identity_account",
        object_id=subject.local_id,
        data={"amr": [AMR_MOCK]},
    )
    return subject


def _ensure(session: Session, chosen: Persona) -> Subject:
    if chosen.kind == "staff":
        return accounts.staff_subject(_ensure_staff(session, chosen.data))
    return accounts.resident_subject(_ensure_account(session, chosen))


def _ensure_staff(session: Session, data: dict[str, Any]) -> StaffAccount:
    staff = repository.staff_by_username(session, data["username"])
    if staff is None:
        staff = StaffAccount(
            username=data["username"],
            name=data["name"],
            email=data["email"],
            agency_code=data["agency"],
            roles=sorted(data["roles"]),
            password_hash=secrets.hash_password(secrets.new_token()),  # nobody knows it: mock sign-in only
        )
        repository.add(session, staff)
    return staff


def _ensure_account(session: Session, chosen: Persona) -> Account:
    resident = repository.resident_by_nik(session, chosen.nik) or repository.add(session, _resident(chosen))
    account = repository.account_of_resident(session, resident.id)
    if account is None:
        account = Account(
            public_id=uuid.uuid4().hex,
            resident_id=resident.id,
            email=chosen.data["email"],
            status="active",
            identity_level=chosen.data["identity_level"],
            activated_at=utcnow(),
        )
        repository.add(session, account)
    return account


def _resident(chosen: Persona) -> Resident:
    data, village = chosen.data, chosen.data["village"]
    return Resident(
        nik=chosen.nik,
        kk_number=data["kk_number"],
        name=data["name"],
        birth_place=data["birth_place"],
        birth_date=dt.date.fromisoformat(data["birth_date"]),
        sex=data["sex"],
        address=data["address"],
        village_code=village,
        district_code=village[:8],
        regency_code=village[:5],
        province_code=village[:2],
    )


def seed_mock_personas(session: Session) -> str:
    """Seed step (idempotent): create every persona's account, only in mock mode."""
    if not enabled():
        return "mock mode is off: no test personas"
    for item in personas():
        _ensure(session, item)
    return f"{len(personas())} mock personas ready"


get_environment().globals["ikd_mock_mode"] = enabled
