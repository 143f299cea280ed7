"""Prepare a fresh SQLite database for the identity benchmark: schema, reference data, OIDC keys, a
machine client and a relying party whose keys the benchmark owns, and activated residents."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from joserfc.jwk import ECKey

from spbe.core import migrate
from spbe.core.config import load_settings
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.core.keys import service as keys
from spbe.core.keys.schemas import Purpose
from spbe.identity import accounts, clients, notify, repository, secrets
from spbe.identity.seed import seed_population
from spbe.seeding import SEED_STEPS

MACHINE_ID = "bench-machine"
RP_ID = "bench-rp"
PASSWORD = "bench-password-123"  # noqa: S105


@dataclass(frozen=True)
class BenchResident:
    nik: str
    seed: str


def prepare(data_dir: Path, base_url: str, residents: int) -> tuple[ECKey, list[BenchResident]]:
    settings = load_settings(data_dir=data_dir, public_url=base_url, log_format="console")
    migrate.upgrade(settings.resolved_database_url)
    engine = create_db_engine(settings.resolved_database_url)
    factory = make_session_factory(engine)
    keys.use_secret(settings.resolved_secret_key)
    for step in SEED_STEPS:
        if step.reference:
            with session_scope(factory) as session:
                step.run(session)
    key = ECKey.generate_key("P-256", parameters={"kid": "bench-1", "alg": "ES256"}, private=True)
    (data_dir / "bench-key.json").write_text(json.dumps(key.as_dict(private=True)))
    jwks = {"keys": [key.as_dict(private=False)]}
    with session_scope(factory) as session:
        keys.ensure_keys(session, Purpose.oidc)
        seed_population(session)
        clients.register_machine_client(
            session,
            client_id=MACHINE_ID,
            name="Bench machine",
            agency_code="KOMDIGI",
            jwks=jwks,
            roles=["registry:reader"],
        )
        clients.register_relying_party(
            session,
            client_id=RP_ID,
            name="Bench RP",
            agency_code="KOMDIGI",
            redirect_uris=["https://bench.example.go.id/cb"],
            jwks=jwks,
            scopes=["openid", "profile", "nik"],
            purpose="Benchmark",
            require_par=True,
        )
    people = _activate(factory, residents)
    engine.dispose()
    return key, people


def _activate(factory: object, count: int) -> list[BenchResident]:
    codes: list[str] = []
    notify.send_code = lambda _to, code, _ref, _purpose: codes.append(code)  # type: ignore[assignment]
    people = []
    with session_scope(factory) as session:  # type: ignore[arg-type]
        for nik in sorted(repository.resident_niks(session))[:count]:
            public_id = accounts.start_activation(session, nik, "bench@example.id", None)
            account = accounts.check_code(session, public_id, codes[-1])
            accounts.set_password(account, PASSWORD)
            seed = accounts.begin_totp(account)
            accounts.confirm_totp(session, account, secrets.totp_code(seed, time.time() - 30))
            account.totp_last_step = 0
            people.append(BenchResident(nik, seed))
    return people
