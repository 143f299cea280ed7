"""The ordered list of reference and demo data steps, shared by ``spbe demo seed`` and the tests.

Each step is idempotent: running it again changes nothing that is already there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from spbe.core.keys import service as keys_service
from spbe.core.keys.schemas import Purpose
from spbe.core.wilayah import service as wilayah_service
from spbe.evaluation.demo import seed_demo_evaluations
from spbe.evaluation.service.instruments import sync_instruments
from spbe.identity.demo_rp_sessions import enable_demo_backchannel
from spbe.identity.platform_client import ensure_platform_client
from spbe.identity.seed import seed_demo_identity
from spbe.interop.seed import seed_demo_interop
from spbe.registry import service as registry_service
from spbe.registry.demo.seed import seed_demo_applications


@dataclass(frozen=True)
class SeedStep:
    """One idempotent loading step; ``reference`` steps are also loaded into every test database."""

    title: str
    run: Callable[[Session], str]
    reference: bool = False


def ensure_platform_keys(session: Session) -> str:
    """Create the platform's active and next signing keys, so the JWKS is published from the start."""
    active, upcoming = keys_service.ensure_keys(session, Purpose.platform)
    return f"active {active.kid[:12]}…, next {upcoming.kid[:12]}… ({active.algorithm})"


SEED_STEPS: list[SeedStep] = [
    SeedStep("Platform signing keys", ensure_platform_keys),
    SeedStep("Region codes (Kemendagri)", wilayah_service.seed_regions, reference=True),
    SeedStep("Agencies (instansi)", registry_service.seed_agencies_step, reference=True),
    SeedStep("Reference architectures and Aplikasi Umum", registry_service.seed_reference_step, reference=True),
    SeedStep("Browser sign-in with IKD (relying party spbe-web)", ensure_platform_client, reference=True),
    SeedStep("Demo national application inventory (27,400 applications)", seed_demo_applications),
    SeedStep("Evaluation instruments (PermenPANRB 59/2020)", sync_instruments, reference=True),
    SeedStep("Demo SPBE evaluations 2018–2024", seed_demo_evaluations),
    SeedStep("Demo SPLP members, services and access rights", seed_demo_interop),
    SeedStep("Demo IKD population register, staff and relying party", seed_demo_identity),
    SeedStep("Demo relying party back-channel logout", enable_demo_backchannel),
]
