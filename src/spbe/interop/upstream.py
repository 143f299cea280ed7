"""Outbound calls to registered back ends on aiohttp's client (keep-alive connection pool).

Chosen by measurement (bench/interop/README.md): a minimal proxy on httpx.AsyncClient managed a few
hundred req/s here, aiohttp's client thousands. Redirects are never followed, bodies are not
decompressed (passed through as sent), and every call has a total timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from spbe.interop import xroad_errors as xe
from spbe.interop.xroad_errors import GatewayError

SKIP_AUTO = frozenset({"User-Agent", "Accept-Encoding", "Accept", "Content-Type"})


@dataclass(frozen=True, slots=True)
class UpstreamResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class UpstreamClient:
    def __init__(self, *, connect_timeout_s: float, max_response_bytes: int, pool_size: int = 256) -> None:
        self._connect_timeout = connect_timeout_s
        self._max = max_response_bytes
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=self._pool_size, keepalive_timeout=30, ttl_dns_cache=60)
        self._session = aiohttp.ClientSession(
            connector=connector, auto_decompress=False, skip_auto_headers=SKIP_AUTO, cookie_jar=aiohttp.DummyCookieJar()
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes, timeout_s: float
    ) -> UpstreamResponse:
        """One request; network failures and timeouts become ``Server.ServerProxy.NetworkError``."""
        if self._session is None:
            raise GatewayError(xe.INTERNAL_ERROR, "upstream client not started")
        timeout = aiohttp.ClientTimeout(total=timeout_s, connect=min(self._connect_timeout, timeout_s))
        try:
            async with self._session.request(
                method,
                url,
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=timeout,
                skip_auto_headers=SKIP_AUTO,
            ) as response:
                data = await self._read(response)
                return UpstreamResponse(response.status, list(response.raw_headers), data)
        except TimeoutError:
            raise GatewayError(xe.NETWORK_ERROR, f"the service did not answer within {timeout_s:g} s") from None
        except aiohttp.ClientError as exc:
            raise GatewayError(xe.NETWORK_ERROR, f"the service could not be reached: {type(exc).__name__}") from None

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        length = response.content_length
        if length is not None and length > self._max:
            raise GatewayError(xe.SERVICE_FAILED, "the service's response exceeds the maximum message size")
        chunks, size = [], 0
        async for chunk in response.content.iter_any():
            size += len(chunk)
            if size > self._max:
                raise GatewayError(xe.SERVICE_FAILED, "the service's response exceeds the maximum message size")
            chunks.append(chunk)
        return b"".join(chunks)
