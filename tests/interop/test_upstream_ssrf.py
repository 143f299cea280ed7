"""SSRF by name: a back end registered by a *name* that resolves to a forbidden address is refused at
connect time (500, ``Server.ServerProxy.*``, naming the reason) and never connected to.

The names are real resolver input, no mock: the C library resolves the decimal form ``2852039166`` to
169.254.169.254 (the metadata service), ``2130706433`` to 127.0.0.1 — names the registration check
(``backend_urls``) cannot see through, since they are not IP literals.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from spbe.interop import xroad_errors as xe
from spbe.interop.backend_urls import check_backend_url
from spbe.interop.snapshot import Upstream
from spbe.interop.upstream import UpstreamClient, _Resolver
from spbe.interop.xroad_errors import GatewayError
from tests.interop.conftest import running_backend

METADATA_BY_NAME = "2852039166"  # 169.254.169.254
LOOPBACK_BY_NAME = "2130706433"  # 127.0.0.1
MULTICAST_BY_NAME = "3758096385"  # 224.0.0.1


async def _call(client: UpstreamClient, url: str) -> int:
    await client.start()
    try:
        response = await client.call(Upstream.parse(url), "GET", b"/api/x", [], b"", 2.0)
        return response.status
    finally:
        await client.close()


def _refused(client: UpstreamClient, url: str) -> GatewayError:
    with pytest.raises(GatewayError) as caught:
        asyncio.run(_call(client, url))
    return caught.value


def test_registration_cannot_see_through_these_names() -> None:
    assert check_backend_url(f"http://{METADATA_BY_NAME}/api", allow_loopback=False)


@pytest.mark.parametrize(
    ("host", "reason"),
    [(METADATA_BY_NAME, "link-local"), (MULTICAST_BY_NAME, "not an address"), ("0", "not an address")],
)
def test_forbidden_addresses_by_name_are_refused(host: str, reason: str) -> None:
    started = time.monotonic()
    error = _refused(UpstreamClient(connect_timeout_s=5, max_response_bytes=1024), f"http://{host}/api")
    assert error.status == 500
    assert error.error_type.startswith("Server.ServerProxy.")
    assert error.error_type == xe.NETWORK_ERROR
    assert reason in error.message
    assert "refused" in error.message
    assert time.monotonic() - started < 1, "refused before any connection attempt, not after a timeout"


def test_metadata_host_name_is_refused_without_dns() -> None:
    error = _refused(UpstreamClient(connect_timeout_s=1, max_response_bytes=1024), "http://metadata.google.internal/")
    assert "metadata" in error.message


def test_loopback_by_name_is_refused_in_production_only() -> None:
    async def scenario() -> tuple[int, list[dict[str, Any]], BaseException | None]:
        async with running_backend() as backend:
            url = f"http://{LOOPBACK_BY_NAME}:{backend.port}/api"
            refused: BaseException | None = None
            try:
                await _call(UpstreamClient(connect_timeout_s=1, max_response_bytes=1024, allow_loopback=False), url)
            except GatewayError as exc:
                refused = exc
            seen_before = list(backend.seen)
            status = await _call(UpstreamClient(connect_timeout_s=1, max_response_bytes=4096), url)
            return status, seen_before, refused

    status, seen_before, refused = asyncio.run(scenario())
    assert isinstance(refused, GatewayError)
    assert "loopback" in refused.message
    assert seen_before == [], "the refused call never reached the back end"
    assert status == 200, "outside production the same name works (resolved and checked)"


def test_resolution_is_cached_per_host_and_cheap() -> None:
    async def scenario() -> float:
        resolver = _Resolver(allow_loopback=True, ttl_s=30)
        assert await resolver.addresses(LOOPBACK_BY_NAME, 80) == ["127.0.0.1"]
        started = time.perf_counter()
        for _ in range(10_000):
            await resolver.addresses(LOOPBACK_BY_NAME, 80)
        return (time.perf_counter() - started) / 10_000

    assert asyncio.run(scenario()) < 50e-6


def test_a_refusal_is_cached_too_and_expires() -> None:
    async def scenario() -> None:
        resolver = _Resolver(allow_loopback=False, ttl_s=0.05)
        for _ in range(2):
            with pytest.raises(GatewayError):
                await resolver.addresses(LOOPBACK_BY_NAME, 80)
        assert len(resolver._cache) == 1
        await asyncio.sleep(0.06)
        resolver.allow_loopback = True
        assert await resolver.addresses(LOOPBACK_BY_NAME, 80) == ["127.0.0.1"]

    asyncio.run(scenario())
