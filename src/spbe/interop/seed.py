"""Demo data (idempotent; member codes are the registry's agency codes): KEMENDAGRI's population service
(Dukcapil) provided to regional governments,
with Kota Bandung as a consumer holding a demo API key. The back end is the built-in demo service
(``demo_backend.py``) on this same platform."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy.orm import Session

from spbe.core.config import get_settings
from spbe.interop import repository
from spbe.interop import service as interop
from spbe.interop.demo_backend import OPENAPI, PREFIX
from spbe.interop.identifiers import ClientId, ServiceId
from spbe.interop.models import ApiKey
from spbe.interop.service import ServiceSpec, Subject
from spbe.interop.settings import get_gateway_settings

DEMO_KEY_ID = "demo3273"
DEMO_SECRET = "bandung0demo0only0not0for0production"  # noqa: S105 (documented demo credential)
DEMO_API_KEY = f"splp_{DEMO_KEY_ID}_{DEMO_SECRET}"

_MEMBERS = [
    ("GOV", "KEMENDAGRI", "Kementerian Dalam Negeri", None),
    ("PEMDA", "PROV-32", "Pemerintah Provinsi Jawa Barat", "32"),
    ("PEMDA", "KOTA-32.73", "Pemerintah Kota Bandung", "32"),
    ("PEMDA", "KAB-32.01", "Pemerintah Kabupaten Bogor", "32"),
]
_SUBSYSTEMS = [
    ("GOV", "KEMENDAGRI", "DUKCAPIL", "Sistem Informasi Administrasi Kependudukan"),
    ("PEMDA", "KOTA-32.73", "MPP", "Mal Pelayanan Publik Kota Bandung"),
    ("PEMDA", "KAB-32.01", "MPP", "Mal Pelayanan Publik Kabupaten Bogor"),
    ("PEMDA", "PROV-32", "SIPD", "Sistem Informasi Pemerintahan Daerah Jawa Barat"),
]


def seed_demo_interop(session: Session) -> str:
    instance = get_gateway_settings().instance
    for member_class, code, name, province in _MEMBERS:
        interop.register_member(
            session, ClientId(instance, member_class, code), name, agency_code=code, province_code=province
        )
    for member_class, code, subsystem, name in _SUBSYSTEMS:
        interop.register_subsystem(session, ClientId(instance, member_class, code, subsystem), name)
    service = ServiceId(ClientId(instance, "GOV", "KEMENDAGRI", "DUKCAPIL"), "penduduk")
    spec = ServiceSpec(
        "Layanan data kependudukan (demo)",
        get_settings().public_url.rstrip("/") + PREFIX,
        timeout_ms=10_000,
        openapi=json.dumps(OPENAPI),
    )
    interop.register_service(session, service, spec, actor="seed")
    interop.grant(session, service, Subject(group="class:PEMDA"), actor="seed", endpoint=("GET", "/penduduk/*"))
    interop.grant(session, service, Subject(group="province:32"), actor="seed", endpoint=("POST", "/verifikasi"))
    if not get_settings().is_production:
        _demo_key(session, ClientId(instance, "PEMDA", "KOTA-32.73", "MPP"))
    return f"SPLP: {len(_MEMBERS)} members, {len(_SUBSYSTEMS)} subsystems, service {service}"


def _demo_key(session: Session, client: ClientId) -> None:
    if repository.find_api_key(session, DEMO_KEY_ID) is not None:
        return
    subsystem = interop.subsystem_of(session, client)
    digest = hashlib.sha256(DEMO_SECRET.encode()).hexdigest()
    repository.add(session, ApiKey(subsystem_id=subsystem.id, key_id=DEMO_KEY_ID, secret_sha256=digest))
    repository.bump_config_version(session)
