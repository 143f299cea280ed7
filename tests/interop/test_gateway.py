"""PR-REST behaviour of the gateway, against a real back end on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import time

import httpx

from spbe.interop import xroad_errors as xe
from spbe.interop.gateway import Gateway
from spbe.interop.msglog.signing import key_store_resolver
from spbe.interop.msglog.verify import verify_log
from tests.interop.conftest import CONSUMER, OTHER, SERVICE, Backend, Env, headers, run_gateway

URL = f"/r1/{SERVICE}"


def _assert_error(response: httpx.Response, status: int, error_type: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["x-road-error"] == error_type
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"type", "message", "detail"}
    assert body["type"] == error_type


def test_forwards_path_query_and_headers_unchanged(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, backend: Backend, _: Gateway) -> None:
        extra = {"X-Custom": "kept", "Connection": "keep-alive, X-Hop", "X-Hop": "dropped", "User-Agent": "secret"}
        response = await client.get(f"{URL}/penduduk/3273?x=%20a&x=b", headers=headers(env, **extra))
        assert response.status_code == 200
        seen = backend.seen[-1]
        assert seen["path_qs"] == "/api/penduduk/3273?x=%20a&x=b"
        forwarded = {k.lower(): v for k, v in seen["headers"].items()}
        assert forwarded["x-custom"] == "kept"
        assert "x-hop" not in forwarded
        assert "x-splp-api-key" not in forwarded
        assert forwarded.get("user-agent") != "secret"
        assert forwarded["accept"] == "*/*"  # passed through unmodified
        assert forwarded["x-road-client"] == str(CONSUMER)
        assert response.headers["x-road-client"] == str(CONSUMER)
        assert response.headers["x-road-service"] == str(SERVICE)
        assert response.headers["x-powered-by"] == "demo"
        assert response.headers["x-road-request-hash"] != "forged"
        assert response.headers["x-road-id"]
        assert response.headers["x-road-request-id"]

    run_gateway(env, scenario)


def test_echoes_the_callers_x_road_id(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        response = await client.get(f"{URL}/penduduk/1", headers=headers(env, **{"X-Road-Id": "abc-123"}))
        assert response.headers["x-road-id"] == "abc-123"

    run_gateway(env, scenario)


def test_request_hash_follows_the_spec(env: Env) -> None:
    """base64(SHA512(SHA512(headers) + SHA512(body))) over X-Road's serialised request."""

    async def scenario(client: httpx.AsyncClient, backend: Backend, _: Gateway) -> None:
        body = b'{"nama": "A"}'
        response = await client.post(
            f"{URL}/penduduk/1?q=1", content=body, headers=headers(env, **{"Content-Type": "application/json"})
        )
        seen = {k.lower(): v for k, v in backend.seen[-1]["headers"].items()}
        names = [
            "accept",
            "accept-encoding",
            "content-type",
            "x-road-client",
            "x-road-service",
            "x-road-id",
            "x-road-request-id",
        ]
        expected_headers = b"POST\r\n" + f"{URL}/penduduk/1?q=1".encode() + b"\r\n"
        sent = {"accept-encoding": "gzip, deflate", "content-type": "application/json", "accept": "*/*"}
        names = ["accept", "accept-encoding", "content-type", *names[3:]]
        for name in names:
            expected_headers += f"{name}:{sent.get(name) or seen[name]}\r\n".encode()
        inner = hashlib.sha512(expected_headers).digest() + hashlib.sha512(body).digest()
        assert response.headers["x-road-request-hash"] == base64.b64encode(hashlib.sha512(inner).digest()).decode()

    run_gateway(env, scenario)


def test_missing_and_malformed_client_headers(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        _assert_error(await client.get(f"{URL}/x"), 400, xe.BAD_REQUEST)
        for bad in ("ID/PEMDA", "ID/PEMDA/KOTA 32/MPP", "ID/PEMDA/KOTA%2332/MPP", "ID/PEMDA/A/B/C", "ID/PEMDA/x/%FF"):
            response = await client.get(f"{URL}/x", headers={"X-Road-Client": bad, "X-SPLP-Api-Key": env.api_key})
            _assert_error(response, 400, xe.INVALID_CLIENT)
        response = await client.get("/r1/ID/GOV/KEM%24/DUKCAPIL/penduduk/x", headers=headers(env))
        _assert_error(response, 400, xe.INVALID_SERVICE)
        _assert_error(await client.get("/r1/ID/GOV/x", headers=headers(env)), 400, xe.INVALID_SERVICE)
        _assert_error(await client.get(f"{URL}/" + "a" * 3000, headers=headers(env)), 400, xe.BAD_REQUEST)

    run_gateway(env, scenario)


def test_authentication_must_match_the_client(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        wrong = {"X-Road-Client": str(CONSUMER), "X-SPLP-Api-Key": env.other_key}
        _assert_error(await client.get(f"{URL}/penduduk/1", headers=wrong), 400, xe.AUTH_FAILED)
        forged = {"X-Road-Client": str(CONSUMER), "X-SPLP-Api-Key": env.api_key[:-2] + "00"}
        _assert_error(await client.get(f"{URL}/penduduk/1", headers=forged), 400, xe.AUTH_FAILED)
        _assert_error(
            await client.get(f"{URL}/penduduk/1", headers={"X-Road-Client": str(CONSUMER)}), 400, xe.AUTH_FAILED
        )

    run_gateway(env, scenario)


def test_unknown_service_and_denied_access(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, _: Backend, gateway: Gateway) -> None:
        response = await client.get(f"/r1/{SERVICE.provider}/nope/x", headers=headers(env))
        _assert_error(response, 500, xe.UNKNOWN_SERVICE)
        ok = await client.get(f"{URL}/penduduk/1", headers=headers(env, OTHER))
        assert ok.status_code == 200  # endpoint-level grant
        denied = await client.post(f"{URL}/penduduk/1", headers=headers(env, OTHER))
        _assert_error(denied, 500, xe.ACCESS_DENIED)
        assert gateway.parts.denials is not None
        assert gateway.parts.denials.pending[(str(OTHER), str(SERVICE), "access")] == 1

    run_gateway(env, scenario)


def test_oversized_body_is_refused(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, backend: Backend, _: Gateway) -> None:
        response = await client.post(f"{URL}/x", content=b"x" * 5000, headers=headers(env))
        _assert_error(response, 400, xe.MESSAGE_TOO_LARGE)

        async def chunks():  # type: ignore[no-untyped-def]
            for _ in range(10):
                yield b"y" * 1000

        streamed = await client.post(f"{URL}/x", content=chunks(), headers=headers(env))
        _assert_error(streamed, 400, xe.MESSAGE_TOO_LARGE)
        assert backend.seen == []

    run_gateway(env, scenario)


def test_slow_back_end_times_out_with_a_network_error(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        started = time.monotonic()
        response = await client.get(f"{URL}/slow", headers=headers(env))
        _assert_error(response, 500, xe.NETWORK_ERROR)
        assert time.monotonic() - started < 2.5

    run_gateway(env, scenario, timeout_ms=500)


def test_unreachable_back_end_is_a_network_error(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, backend: Backend, gateway: Gateway) -> None:
        service = gateway.parts.holder.current.services[SERVICE]
        object.__setattr__(service.upstream, "port", 1)
        _assert_error(await client.get(f"{URL}/x", headers=headers(env)), 500, xe.NETWORK_ERROR)

    run_gateway(env, scenario)


def test_provider_errors_and_redirects_pass_untouched(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        missing = await client.get(f"{URL}/missing", headers=headers(env))
        assert missing.status_code == 404
        assert "x-road-error" not in missing.headers
        assert missing.json() == {"error": "no such resident"}
        assert missing.headers["x-provider"] == "yes"
        redirect = await client.get(f"{URL}/redirect", headers=headers(env))
        assert redirect.status_code == 302
        assert redirect.headers["location"] == "http://127.0.0.1:1/elsewhere"

    run_gateway(env, scenario)


def test_no_ssrf_through_the_service_path(env: Env) -> None:
    async def scenario(client: httpx.AsyncClient, backend: Backend, _: Gateway) -> None:
        for path in ("/%2e%2e/admin", "/a/%2E%2E/b", "/a/%2E/b", "/a\\b", "/a%5C..%5Cb"):  # httpx folds plain ..
            response = await client.get(f"{URL}{path}", headers=headers(env))
            _assert_error(response, 400, xe.BAD_REQUEST)
        response = await client.get(f"{URL}//evil.example@127.0.0.2:80/x", headers=headers(env))
        assert response.status_code == 200
        assert backend.seen[-1]["path_qs"] == "/api//evil.example@127.0.0.2:80/x"

    run_gateway(env, scenario)


def test_quota_answers_with_retry_after(env: Env) -> None:
    from spbe.interop import service as interop

    interop_calls = []

    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        for _ in range(2):
            interop_calls.append((await client.get(f"{URL}/x", headers=headers(env))).status_code)
        response = await client.get(f"{URL}/x", headers=headers(env))
        _assert_error(response, 400, xe.QUOTA_EXCEEDED)
        assert int(response.headers["retry-after"]) >= 1

    def register_quota_then_run() -> None:
        original = run_gateway.__globals__["register"]

        def with_quota(session, url, timeout_ms=1000):  # type: ignore[no-untyped-def]
            keys = original(session, url, timeout_ms)
            interop.set_quota(session, SERVICE, 2, 60, client=CONSUMER)
            return keys

        run_gateway.__globals__["register"] = with_quota
        try:
            run_gateway(env, scenario)
        finally:
            run_gateway.__globals__["register"] = original

    register_quota_then_run()
    assert interop_calls == [200, 200]


def test_every_exchange_is_in_the_verified_log(env: Env) -> None:
    ids: list[str] = []

    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        for index in range(5):
            response = await client.get(f"{URL}/penduduk/{index}", headers=headers(env))
            ids.append(response.headers["x-road-id"])
        await client.get(f"{URL}/x")  # refused calls are logged too

    run_gateway(env, scenario)
    keys = key_store_resolver(env.session)
    [report] = verify_log(env.log_dir, keys)
    assert report.ok
    assert report.signed_records == 6
    assert report.unsigned_tail == 0
    segment = next(env.log_dir.glob("*/*.seg"))
    assert all(i.encode() in segment.read_bytes() for i in ids)
    data = segment.read_bytes().replace(b'"restResponseStatusCode":200', b'"restResponseStatusCode":201', 1)
    segment.write_bytes(data)
    [tampered] = verify_log(env.log_dir, keys)
    assert not tampered.ok
