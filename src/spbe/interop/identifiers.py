"""X-Road identifiers (PR-REST §4.1–4.2): clients ``INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`` and services
``INSTANCE/CLASS/MEMBER[/SUBSYSTEM]/SERVICE``.

Each part is percent-encoded on its own (a ``/`` inside a part is ``%2F``). After decoding, a part may only
contain ``A–Z a–z 0–9`` and ``'()+,-.=?`` (the identifier character set of PR-REST 1.0.3), at most
``MAX_PART_LENGTH`` characters; anything else is a ``Client.*`` error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote

MAX_PART_LENGTH = 255
_PART = re.compile(r"^[A-Za-z0-9'()+,\-.=?]{1,255}$")


class InvalidIdentifier(ValueError):
    """A client or service identifier that breaks the PR-REST rules."""


def valid_part(value: str) -> bool:
    """Whether ``value`` (already decoded) is a legal identifier part."""
    return _PART.match(value) is not None


def decode_part(raw: str) -> str:
    """Percent-decode one part and check its characters."""
    try:
        value = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise InvalidIdentifier("identifier part is not valid UTF-8") from None
    if not valid_part(value):
        raise InvalidIdentifier(f"illegal identifier part {raw[:60]!r}")
    return value


def encode_part(value: str) -> str:
    return quote(value, safe="'()+,-.=?")


@lru_cache(maxsize=65536)
def _joined(parts: tuple[str, ...]) -> str:
    """The encoded text form of an identifier (cached: identifiers repeat on every call)."""
    return "/".join(encode_part(p) for p in parts)


@dataclass(frozen=True, slots=True)
class ClientId:
    """A member (``subsystem`` None) or one of its subsystems."""

    instance: str
    member_class: str
    member_code: str
    subsystem: str | None = None

    def __str__(self) -> str:
        parts = (self.instance, self.member_class, self.member_code)
        return _joined(parts if self.subsystem is None else (*parts, self.subsystem))

    @property
    def object_type(self) -> str:
        return "MEMBER" if self.subsystem is None else "SUBSYSTEM"

    @property
    def encoded(self) -> bytes:
        """The header form as bytes (cached)."""
        return _as_bytes(str(self))


@dataclass(frozen=True, slots=True)
class ServiceId:
    """A service of a provider subsystem."""

    provider: ClientId
    service_code: str

    def __str__(self) -> str:
        provider = self.provider
        return (
            _joined(
                (
                    provider.instance,
                    provider.member_class,
                    provider.member_code,
                    provider.subsystem or "",
                    self.service_code,
                )
            )
            if provider.subsystem
            else f"{provider}/{encode_part(self.service_code)}"
        )

    @property
    def encoded(self) -> bytes:
        """The header form as bytes (cached)."""
        return _as_bytes(str(self))


@lru_cache(maxsize=65536)
def _as_bytes(text: str) -> bytes:
    return text.encode()


@lru_cache(maxsize=16384)
def parse_client(header: str) -> ClientId:
    """Parse an ``X-Road-Client`` header value (three or four parts; cached, they repeat)."""
    raw_parts = header.strip().split("/")
    if len(raw_parts) not in (3, 4):
        raise InvalidIdentifier("X-Road-Client must be INSTANCE/CLASS/MEMBER[/SUBSYSTEM]")
    parts = [decode_part(p) for p in raw_parts]
    return ClientId(parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else None)


@dataclass(frozen=True, slots=True)
class RestTarget:
    """A parsed ``/r1/...`` request path: the service and the raw path sent to the back end."""

    service: ServiceId
    service_path: str


def parse_r1_path(raw_path: str) -> RestTarget:
    """Split ``/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path]`` (raw, still percent-encoded).

    Like X-Road we require the subsystem in REST service identifiers; the rest of the path is passed
    through unchanged (still encoded).
    """
    parts = raw_path.split("/", 7)
    if len(parts) < 7 or parts[0] != "" or parts[1] != "r1":
        raise InvalidIdentifier("expected /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path]")
    rest = "/" + parts[7] if len(parts) == 8 else ""
    return RestTarget(_service_id(tuple(parts[2:7])), rest)


@lru_cache(maxsize=16384)
def _service_id(raw_parts: tuple[str, ...]) -> ServiceId:
    decoded = [decode_part(p) for p in raw_parts]
    return ServiceId(ClientId(decoded[0], decoded[1], decoded[2], decoded[3]), decoded[4])


def parse_subsystem_path(raw_path: str) -> tuple[ClientId, str]:
    """Split ``/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/<metaservice>`` into the provider and the name."""
    target = parse_r1_path(raw_path)
    if target.service_path:
        raise InvalidIdentifier("metaservice paths take no sub-path")
    return target.service.provider, target.service.service_code
