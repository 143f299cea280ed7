"""Demo data: a population register (standing in for Dukcapil), demo staff, a machine client and the
demo relying party. Deterministic (a fixed random seed) and idempotent."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

from joserfc.jwk import ECKey
from sqlalchemy.orm import Session

from spbe.core.keys import service as keys
from spbe.core.keys.schemas import Purpose
from spbe.core.nik.parser import NikFields, Sex, compose_nik
from spbe.core.wilayah import service as wilayah
from spbe.identity import accounts, clients, repository
from spbe.identity.models import Resident

DEMO_SIZE = 300
DEMO_REGENCIES = ("32.73", "31.71", "35.78", "33.74", "51.71", "73.71", "12.71", "34.71", "64.72", "94.71")
MALE = ("Budi", "Agus", "Andi", "Dedi", "Eko", "Fajar", "Hendra", "Irfan", "Joko", "Rizky", "Slamet", "Wayan", "Yusuf")
FEMALE = ("Siti", "Dewi", "Ayu", "Fitri", "Indah", "Lestari", "Nur", "Putri", "Rina", "Sri", "Wulan", "Yuni", "Made")
FAMILY = (
    "Santoso",
    "Wijaya",
    "Hidayat",
    "Saputra",
    "Kusuma",
    "Pratama",
    "Nugroho",
    "Siregar",
    "Lubis",
    "Sitompul",
    "Wibowo",
    "Setiawan",
    "Gunawan",
    "Rahman",
    "Daeng",
)
STREETS = (
    "Jl. Merdeka",
    "Jl. Sudirman",
    "Jl. Diponegoro",
    "Jl. Ahmad Yani",
    "Jl. Gatot Subroto",
    "Jl. Pahlawan",
    "Jl. Veteran",
)
DEMO_STAFF = (
    (
        "admin.kemendagri",
        "Admin Kemendagri",
        "KEMENDAGRI",
        ["registry:admin", "identity:admin", "evaluation:self-assess"],
    ),
    ("operator.kominfo", "Operator Komdigi", "KOMDIGI", ["registry:write", "interop:operator"]),
    (
        "petugas.bandung",
        "Petugas Dukcapil Kota Bandung",
        "KOTA-32.73",
        ["portal:caseworker", "identity:officer", "registry:write", "evaluation:self-assess", "interop:operator"],
    ),
    ("penilai.kemenpanrb", "Penilai Evaluasi SPBE", "KEMENPANRB", ["evaluation:assess"]),
    ("koordinator.kemenpanrb", "Koordinator SPBE Nasional", "KEMENPANRB", ["evaluation:admin", "registry:admin"]),
)
DEMO_PASSWORD = "demo-password-123"  # development demo only; the seed refuses to run in production  # noqa: S105
DEMO_RP_ID = "demo-rp"
DEMO_MACHINE_ID = "demo-machine"


@dataclass(frozen=True)
class _Place:
    district_code: str
    district_name: str
    village_code: str
    village_name: str
    regency_name: str


def _places(session: Session) -> list[_Place]:
    regencies = {row.code: row.name for row in wilayah.list_regencies(session).items}
    places = []
    for regency in DEMO_REGENCIES:
        if regency not in regencies:
            continue
        for district in wilayah.list_districts(session, regency).items[:4]:
            villages = wilayah.list_villages(session, district.code, limit=3).items
            for village in villages or []:
                places.append(_Place(district.code, district.name, village.code, village.name, regencies[regency]))
    return places


def demo_residents(session: Session, size: int = DEMO_SIZE) -> list[Resident]:
    """``size`` residents in families of 1–5, with valid NIKs from real region codes."""
    rng = random.Random(20260101)  # noqa: S311
    places = _places(session)
    if not places:
        return []
    residents: list[Resident] = []
    serials: dict[str, int] = {}
    while len(residents) < size:
        place = rng.choice(places)
        kk = (
            place.district_code.replace(".", "")
            + f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(0, 99):02d}{rng.randint(1, 9999):04d}"
        )
        family = rng.choice(FAMILY)
        street = f"{rng.choice(STREETS)} No. {rng.randint(1, 200)}"
        address = f"{street}, {place.village_name}, {place.district_name}, {place.regency_name}"
        for _ in range(min(rng.randint(1, 5), size - len(residents))):
            residents.append(_resident(rng, place, kk, family, address, serials))
    return residents


def _resident(
    rng: random.Random, place: _Place, kk: str, family: str, address: str, serials: dict[str, int]
) -> Resident:
    sex = rng.choice((Sex.male, Sex.female))
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 55))
    key = place.district_code + birth.isoformat() + sex.value
    serials[key] = serials.get(key, 0) + 1
    nik = compose_nik(NikFields(place.district_code, birth, sex, serials[key]))
    given = rng.choice(MALE if sex is Sex.male else FEMALE)
    return Resident(
        nik=nik,
        kk_number=kk[:16],
        name=f"{given} {family}",
        birth_place=place.regency_name.removeprefix("Kota ").removeprefix("Kabupaten ").title(),
        birth_date=birth,
        sex=sex.value,
        address=address,
        village_code=place.village_code,
        district_code=place.district_code,
        regency_code=place.district_code[:5],
        province_code=place.district_code[:2],
    )


def seed_population(session: Session) -> str:
    """The demo population register (idempotent: existing NIKs are kept)."""
    existing = repository.resident_niks(session)
    new = [row for row in demo_residents(session) if row.nik not in existing]
    repository.add_all(session, new)
    return f"{len(new)} residents added ({repository.count_residents(session)} in the register)"


def seed_demo_identity(session: Session) -> str:
    """Register, demo staff, the OIDC keys, the demo RP and a demo machine client."""
    from spbe.identity.settings import identity_settings

    if identity_settings().env.value == "production":
        return "skipped in production"
    summary = [seed_population(session)]
    keys.ensure_keys(session, Purpose.oidc)
    for username, name, agency, roles in DEMO_STAFF:
        if repository.staff_by_username(session, username) is None:
            accounts.create_staff(session, username, name, f"{username}@example.go.id", agency, roles, DEMO_PASSWORD)
    summary.append(f"{len(DEMO_STAFF)} staff accounts (password {DEMO_PASSWORD!r})")
    summary.append(_demo_clients(session))
    return "; ".join(summary)


def demo_client_key(data_dir: Path) -> ECKey:
    """The demo RP's private key, kept in the data folder (like a real RP keeps its own)."""
    path = data_dir / "demo-rp-key.json"
    if path.exists():
        key = ECKey.import_key(json.loads(path.read_text()))
    else:
        key = ECKey.generate_key("P-256", parameters={"kid": "demo-rp-1", "alg": "ES256", "use": "sig"}, private=True)
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(key.as_dict(private=True)))
        path.chmod(0o600)
    return key


def _demo_clients(session: Session) -> str:
    from spbe.core.config import get_settings

    settings = get_settings()
    key = demo_client_key(settings.data_dir)
    jwks = {"keys": [key.as_dict(private=False)]}
    base = settings.public_url.rstrip("/")
    if repository.client(session, DEMO_RP_ID) is None:
        clients.register_relying_party(
            session,
            client_id=DEMO_RP_ID,
            name="Demo layanan (relying party)",
            agency_code="KOMDIGI",
            redirect_uris=[f"{base}/demo-rp/callback"],
            post_logout_redirect_uris=[f"{base}/demo-rp/"],
            jwks=jwks,
            scopes=["openid", "profile", "address", "email", "nik"],
            purpose="Demonstrate IKD sign-in to agency developers",
            require_par=True,
        )
    if repository.client(session, DEMO_MACHINE_ID) is None:
        clients.register_machine_client(
            session,
            client_id=DEMO_MACHINE_ID,
            name="Demo agency system",
            agency_code="KOMDIGI",
            jwks=jwks,
            roles=["registry:reader"],
        )
    return f"clients {DEMO_RP_ID}, {DEMO_MACHINE_ID}"
