"""The platform CA's X.509 work (``cryptography``), without any database: a self-signed ECDSA P-256 root,
client certificates naming a subsystem and server certificates for gateway nodes.

A client certificate says who it belongs to twice: ``CN`` is the X-Road client identifier
(``ID/PEMDA/KOTA-32.73/MPP``) and a subjectAltName URI ``urn:splp:ID/PEMDA/KOTA-32.73/MPP``. The gateway
does not trust either name on its own: it looks the certificate's SHA-256 fingerprint up among the
certificates the platform recorded when it issued them (``trust.py``), so a revoked or unknown
certificate is refused even though the TLS layer accepted its chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from spbe.interop.identifiers import ClientId

URN_PREFIX = "urn:splp:"
CA_DAYS = 3650
CLIENT_DAYS = 365
SERVER_DAYS = 365
BACKDATE = dt.timedelta(minutes=5)  # clock skew between the CA and the nodes
ClientPublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


class CertificateError(ValueError):
    """A CSR or certificate the CA will not use (bad signature, weak key, unreadable)."""


@dataclass(frozen=True)
class Issued:
    """A certificate the CA just signed (PEM) with what the platform records about it."""

    pem: str
    serial: str
    fingerprint_sha256: str
    subject: str
    not_before: dt.datetime
    not_after: dt.datetime


def fingerprint(der: bytes) -> str:
    """SHA-256 of the DER certificate, lower-case hex (what ``openssl x509 -fingerprint -sha256`` shows)."""
    return hashlib.sha256(der).hexdigest()


def certificate_fingerprint(cert: x509.Certificate) -> str:
    return fingerprint(cert.public_bytes(serialization.Encoding.DER))


def self_signed_root(key: ec.EllipticCurvePrivateKey, common_name: str, days: int = CA_DAYS) -> x509.Certificate:
    """The root: CA, path length 0 (it signs end-entity certificates only), keyCertSign + cRLSign."""
    now = dt.datetime.now(dt.UTC)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SPBE Platform"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    return builder.sign(key, hashes.SHA256())


def _usage(*, cert_sign: bool = False, key_agreement: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=key_agreement,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def client_name(client: ClientId) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, client.member_code),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, client.member_class),
            x509.NameAttribute(NameOID.COMMON_NAME, str(client)),
        ]
    )


def issue_client(
    ca_key: CertificateIssuerPrivateKeyTypes,
    ca_cert: x509.Certificate,
    client: ClientId,
    public_key: ClientPublicKey,
    days: int = CLIENT_DAYS,
) -> Issued:
    """A TLS client certificate (clientAuth) for subsystem ``client``."""
    san = x509.SubjectAlternativeName([x509.UniformResourceIdentifier(URN_PREFIX + str(client))])
    builder = _end_entity(ca_cert, client_name(client), public_key, days)
    builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return _signed(builder.add_extension(san, critical=False), ca_key)


def issue_server(
    ca_key: CertificateIssuerPrivateKeyTypes,
    ca_cert: x509.Certificate,
    hosts: list[str],
    public_key: ClientPublicKey,
    days: int = SERVER_DAYS,
) -> Issued:
    """A TLS server certificate (serverAuth) for a gateway node: DNS names and IP addresses in the SAN."""
    if not hosts:
        raise CertificateError("a server certificate needs at least one host name")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    builder = _end_entity(ca_cert, name, public_key, days)
    builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    san = x509.SubjectAlternativeName([_general_name(host) for host in hosts])
    return _signed(builder.add_extension(san, critical=False), ca_key)


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _end_entity(
    ca_cert: x509.Certificate, subject: x509.Name, public_key: ClientPublicKey, days: int
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    not_after = min(now + dt.timedelta(days=days), ca_cert.not_valid_after_utc)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(key_agreement=isinstance(public_key, ec.EllipticCurvePublicKey)), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
    )


def _signed(builder: x509.CertificateBuilder, ca_key: CertificateIssuerPrivateKeyTypes) -> Issued:
    cert = builder.sign(ca_key, hashes.SHA256())
    der = cert.public_bytes(serialization.Encoding.DER)
    return Issued(
        pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        serial=format(cert.serial_number, "x"),
        fingerprint_sha256=fingerprint(der),
        subject=cert.subject.rfc4514_string()[:400],
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def public_key_of_csr(pem: bytes) -> ClientPublicKey:
    """The key of a PEM CSR whose self-signature verifies; its subject is ignored (the CA names it)."""
    try:
        csr = x509.load_pem_x509_csr(pem)
    except ValueError as exc:
        raise CertificateError(f"not a PEM certificate signing request: {exc}") from None
    if not csr.is_signature_valid:
        raise CertificateError("the CSR's signature does not verify")
    return checked_public_key(csr.public_key())


def checked_public_key(key: object) -> ClientPublicKey:
    """EC P-256/P-384 or RSA of at least 2048 bits; anything else is refused."""
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in ("secp256r1", "secp384r1"):
        return key
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048:
        return key
    raise CertificateError("the key must be ECDSA P-256/P-384 or RSA of at least 2048 bits")


def new_client_key() -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """A fresh P-256 key and its unencrypted PKCS#8 PEM (written 0600 by the caller)."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key, pem


def load_certificate(pem: str | bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii") if isinstance(pem, str) else pem)


def certificate_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
