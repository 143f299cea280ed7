"""TLS on the gateway's own server: the node's certificate (issued by the platform CA for its host name)
and, when ``SPBE_INTEROP_TLS_CLIENT_CA`` names the CA bundle, client certificates requested with
``CERT_OPTIONAL`` — a caller may still authenticate with a token or (legacy) an API key over TLS, but a
certificate it presents must verify against the platform CA or the handshake fails.

The verified certificate's SHA-256 fingerprint is read once per connection; ``auth.py`` maps it to a
subsystem through the configuration snapshot.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl

from spbe.interop.settings import GatewaySettings


def server_context(settings: GatewaySettings) -> ssl.SSLContext | None:
    """The listening socket's TLS context, or ``None`` when the node speaks plain HTTP."""
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(settings.tls_cert, settings.tls_key)
    context.set_alpn_protocols(["http/1.1"])
    if settings.tls_client_ca is not None:
        context.load_verify_locations(cafile=settings.tls_client_ca)
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def peer_certificate(transport: asyncio.BaseTransport) -> str | None:
    """SHA-256 (hex) of the client certificate the TLS layer verified, or ``None``."""
    ssl_object = transport.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return hashlib.sha256(der).hexdigest() if der else None
