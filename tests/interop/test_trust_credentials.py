"""The ``certificate`` and ``oauth_client`` credential kinds the management API and portal use."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from spbe.core.errors import NotFound, ValidationFailed
from spbe.interop import credentials, trust
from spbe.interop.service import subsystem_of
from spbe.interop.trust_credentials import Certificates, OAuthClients
from tests.interop.conftest import CONSUMER, OTHER, Env, register


def _csr() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    request = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([])).sign(key, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode()


def test_both_kinds_are_registered() -> None:
    assert {"certificate", "oauth_client"} <= set(credentials.KINDS)


def test_certificate_kind_issues_from_a_csr_lists_and_revokes(env: Env) -> None:
    register(env.session, "http://127.0.0.1:9/api")
    trust.init_ca(env.session, actor="test")
    mine, theirs = subsystem_of(env.session, CONSUMER), subsystem_of(env.session, OTHER)
    kind = Certificates()
    issued = kind.issue(env.session, mine, CONSUMER, {"csr": _csr(), "days": 30}, "budi")
    assert "BEGIN CERTIFICATE" in issued.usage
    assert issued.secret is None
    assert [c.credential_id for c in kind.list(env.session, mine, CONSUMER)] == [issued.credential_id]
    with pytest.raises(ValidationFailed):
        kind.issue(env.session, mine, CONSUMER, {"days": 30}, "budi")  # no key generated for API callers
    with pytest.raises(ValidationFailed, match="csr"):
        kind.issue(env.session, mine, CONSUMER, {"csr": "garbage"}, "budi")
    with pytest.raises(NotFound):
        kind.revoke(env.session, theirs, issued.credential_id, "mallory")  # another subsystem's certificate
    kind.revoke(env.session, mine, issued.credential_id, "budi")
    assert kind.list(env.session, mine, CONSUMER)[0].revoked_at is not None


def test_oauth_client_kind_links_lists_and_unlinks(env: Env) -> None:
    register(env.session, "http://127.0.0.1:9/api")
    mine, theirs = subsystem_of(env.session, CONSUMER), subsystem_of(env.session, OTHER)
    kind = OAuthClients()
    issued = kind.issue(env.session, mine, CONSUMER, {"client_id": "simpatik"}, "budi")
    assert "Bearer" in issued.usage
    assert [c.credential_id for c in kind.list(env.session, mine, CONSUMER)] == ["simpatik"]
    assert kind.list(env.session, theirs, OTHER) == []
    with pytest.raises(ValidationFailed):
        kind.issue(env.session, mine, CONSUMER, {"client": "x"}, "budi")
    with pytest.raises(NotFound):
        kind.revoke(env.session, theirs, "simpatik", "mallory")
    kind.revoke(env.session, mine, "simpatik", "budi")
    assert kind.list(env.session, mine, CONSUMER) == []
