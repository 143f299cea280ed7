"""Quota counting: one counter per quota — a quota without a client is service-wide, a client quota
counts only that client, quotas are independent, and a refused call uses nothing up."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from spbe.interop import service as interop
from spbe.interop import xroad_errors as xe
from spbe.interop.gateway import Gateway
from spbe.interop.quota import QuotaTracker
from spbe.interop.snapshot import QuotaDef, ServiceEntry, Upstream
from tests.interop import conftest
from tests.interop.conftest import CONSUMER, OTHER, SERVICE, Backend, Env, headers, run_gateway

URL = f"/r1/{SERVICE}"


def _service(*quotas: QuotaDef) -> ServiceEntry:
    upstream = Upstream.parse("http://127.0.0.1:1/api")
    return ServiceEntry(SERVICE, "Population", upstream, 1.0, True, (), (), tuple(quotas), False)


def _calls(tracker: QuotaTracker, service: ServiceEntry, client: Any, count: int, now: float = 0.0) -> list[bool]:
    return [tracker.check(service, client, now=now) is None for _ in range(count)]


def test_a_quota_without_client_is_shared_by_all_callers() -> None:
    tracker = QuotaTracker()
    service = _service(QuotaDef(None, 3, 60))
    assert _calls(tracker, service, CONSUMER, 2) == [True, True]
    assert _calls(tracker, service, OTHER, 2) == [True, False]
    assert _calls(tracker, service, CONSUMER, 1) == [False]


def test_client_and_general_quota_with_the_same_window_count_once_each() -> None:
    """The reviewer's case: client limit 3 + general limit 10 per 60 s; the 3rd call used to be refused."""
    tracker = QuotaTracker()
    service = _service(QuotaDef(CONSUMER, 3, 60), QuotaDef(None, 10, 60))
    assert _calls(tracker, service, CONSUMER, 4) == [True, True, True, False]
    assert _calls(tracker, service, OTHER, 8) == [True] * 7 + [False]  # 3 + 7 = the general 10


def test_a_refused_call_uses_up_no_other_quota() -> None:
    tracker = QuotaTracker()
    service = _service(QuotaDef(None, 10, 60), QuotaDef(CONSUMER, 2, 60))
    assert _calls(tracker, service, CONSUMER, 7) == [True, True] + [False] * 5
    assert _calls(tracker, service, OTHER, 9) == [True] * 8 + [False]


def test_a_client_quota_does_not_limit_other_clients() -> None:
    tracker = QuotaTracker()
    service = _service(QuotaDef(CONSUMER, 1, 60))
    assert _calls(tracker, service, CONSUMER, 2) == [True, False]
    assert _calls(tracker, service, OTHER, 5) == [True] * 5


def test_retry_after_comes_from_the_quota_that_refused() -> None:
    tracker = QuotaTracker()
    service = _service(QuotaDef(None, 100, 10), QuotaDef(CONSUMER, 1, 60))
    assert tracker.check(service, CONSUMER, now=5.0) is None
    assert tracker.check(service, CONSUMER, now=5.0) == 55  # the 60 s quota refused, not the 10 s one
    tracker = QuotaTracker()
    general_only = _service(QuotaDef(None, 1, 10), QuotaDef(CONSUMER, 100, 60))
    assert tracker.check(general_only, CONSUMER, now=2.0) is None
    assert tracker.check(general_only, OTHER, now=2.0) == 8


def test_windows_reset_and_workers_share_the_limit() -> None:
    tracker = QuotaTracker(workers=2)
    service = _service(QuotaDef(None, 4, 60))
    assert _calls(tracker, service, CONSUMER, 3, now=1.0) == [True, True, False]
    assert _calls(tracker, service, OTHER, 2, now=61.0) == [True, True]


@pytest.fixture
def quotas(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, Any]]:
    """Quotas (limit, window, client) to register along with the test configuration."""
    wanted: list[tuple[int, int, Any]] = []
    original = conftest.register

    def with_quotas(session: Any, url: str, timeout_ms: int = 1000) -> tuple[str, str]:
        keys = original(session, url, timeout_ms)
        for limit, window, client in wanted:
            interop.set_quota(session, SERVICE, limit, window, client=client)
        return keys

    monkeypatch.setattr(conftest, "register", with_quotas)
    return wanted


def test_gateway_general_quota_is_service_wide(env: Env, quotas: list[tuple[int, int, Any]]) -> None:
    quotas.append((3, 60, None))
    statuses: list[int] = []

    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        for caller in (CONSUMER, OTHER, CONSUMER, OTHER):
            statuses.append((await client.get(f"{URL}/penduduk/1", headers=headers(env, caller))).status_code)
        refused = await client.get(f"{URL}/penduduk/1", headers=headers(env, OTHER))
        assert refused.headers["x-road-error"] == xe.QUOTA_EXCEEDED
        assert 1 <= int(refused.headers["retry-after"]) <= 60

    run_gateway(env, scenario)
    assert statuses == [200, 200, 200, 400]


def test_gateway_client_quota_with_general_quota(env: Env, quotas: list[tuple[int, int, Any]]) -> None:
    quotas += [(3, 60, CONSUMER), (10, 60, None)]
    statuses: list[int] = []

    async def scenario(client: httpx.AsyncClient, _: Backend, __: Gateway) -> None:
        for _attempt in range(4):
            statuses.append((await client.get(f"{URL}/penduduk/1", headers=headers(env))).status_code)

    run_gateway(env, scenario)
    assert statuses == [200, 200, 200, 400]
