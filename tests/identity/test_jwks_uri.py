"""RPs registered with a ``jwks_uri``: keys fetched over real HTTP (a server on 127.0.0.1), cached,
re-fetched once on an unknown ``kid`` (key rotation), never more than once per interval; bounded fetches."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.identity import clients, jwks_fetch
from spbe.identity.jwks_fetch import JwksFetchError

from .conftest import ISSUER, TestRp, new_key, pkce, public_jwks
from .receiver import Receiver, Route, serving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    jwks_fetch.clear_cache()
    with serving() as server:
        yield server
    jwks_fetch.clear_cache()


def serve_keys(receiver: Receiver, *keys: object) -> None:
    body = {"keys": [key for jwks in (public_jwks(k) for k in keys) for key in jwks["keys"]]}  # type: ignore[arg-type]
    receiver.routes["/jwks.json"] = Route(body=json.dumps(body).encode())


@pytest.fixture
def uri_rp(db_session: Session, receiver: Receiver, oidc_keys: None) -> TestRp:
    key = new_key("uri-key-1")
    serve_keys(receiver, key)
    keys = jwks_fetch.fetch(receiver.base + "/jwks.json")
    row = clients.register_relying_party(
        db_session,
        client_id="uri-rp",
        name="Layanan JWKS URI",
        agency_code="KOMDIGI",
        redirect_uris=["https://uri.example.go.id/cb"],
        jwks=keys,
        scopes=["openid"],
    )
    jwks_fetch.register(db_session, row, receiver.base + "/jwks.json")
    return TestRp("uri-rp", key, "https://uri.example.go.id/cb")


def par(client: TestClient, rp: TestRp) -> int:
    _, challenge = pkce()
    data = {
        "client_id": rp.client_id,
        "response_type": "code",
        "redirect_uri": rp.redirect_uri,
        "scope": "openid",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "s",
        **rp.auth(aud=ISSUER),
    }
    response = client.post("/oidc/par", data=data)
    assert response.status_code == 201 or response.json()["error"] == "invalid_client", response.text
    return response.status_code


def test_keys_come_from_the_jwks_uri_and_rotation_refetches_once(
    client: TestClient, uri_rp: TestRp, receiver: Receiver
) -> None:
    assert par(client, uri_rp) == 201
    fetched = len(receiver.gets)
    new = new_key("uri-key-2")
    serve_keys(receiver, new)  # the RP rotates: only the new key is published
    rotated = TestRp(uri_rp.client_id, new, uri_rp.redirect_uri)
    assert par(client, rotated) == 201
    assert len(receiver.gets) == fetched + 1
    assert par(client, rotated) == 201  # cached now
    assert len(receiver.gets) == fetched + 1
    assert par(client, uri_rp) == 400  # the retired key is gone from the set


def test_unknown_kids_refetch_at_most_once_per_interval(client: TestClient, uri_rp: TestRp, receiver: Receiver) -> None:
    stranger = TestRp(uri_rp.client_id, new_key("made-up-kid"), uri_rp.redirect_uri)
    before = len(receiver.gets)
    for _ in range(5):
        assert par(client, stranger) == 400
    assert len(receiver.gets) == before + 1
    assert par(client, uri_rp) == 201  # the known key still works


def test_a_failed_refresh_keeps_the_keys_we_have(client: TestClient, uri_rp: TestRp, receiver: Receiver) -> None:
    receiver.routes["/jwks.json"] = Route(status=503)
    assert par(client, TestRp(uri_rp.client_id, new_key("other"), uri_rp.redirect_uri)) == 400
    assert par(client, uri_rp) == 201


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (Route(status=404), "HTTP 404"),
        (Route(body=b"not json"), "not valid"),
        (Route(body=b"x" * (jwks_fetch.MAX_BYTES + 1)), "larger than"),
        (Route(body=json.dumps({"keys": []}).encode()), "not valid"),
        (Route(status=302, body=b""), "HTTP 302"),
    ],
)
def test_bad_jwks_are_refused(receiver: Receiver, route: Route, message: str) -> None:
    receiver.routes["/jwks.json"] = route
    with pytest.raises(JwksFetchError, match=message):
        jwks_fetch.fetch(receiver.base + "/jwks.json")


def test_private_keys_are_refused(receiver: Receiver) -> None:
    key = new_key("private")
    receiver.routes["/jwks.json"] = Route(body=json.dumps({"keys": [json.loads(key.export_private())]}).encode())
    with pytest.raises(JwksFetchError, match="public EC or RSA"):
        jwks_fetch.fetch(receiver.base + "/jwks.json")


def test_a_slow_server_times_out(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jwks_fetch, "TIMEOUT", 0.3)
    receiver.routes["/jwks.json"] = Route(body=b"{}", delay=1.5)
    with pytest.raises(JwksFetchError, match="Timeout"):
        jwks_fetch.fetch(receiver.base + "/jwks.json")


@pytest.mark.parametrize(
    "uri", ["http://keys.example.go.id/jwks.json", "file:///etc/passwd", "https://keys.example.go.id/j#frag"]
)
def test_only_https_or_loopback_http(uri: str) -> None:
    with pytest.raises(JwksFetchError):
        jwks_fetch.check_uri(uri)


def test_unreachable_uri_is_refused_at_registration(db_session: Session, rp: TestRp) -> None:
    from spbe.identity import repository

    row = repository.client(db_session, rp.client_id)
    assert row is not None
    with pytest.raises(JwksFetchError):
        jwks_fetch.register(db_session, row, "http://127.0.0.1:9/jwks.json")
    assert row.jwks_uri is None
