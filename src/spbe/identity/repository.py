"""All SQL of the identity module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypeVar, cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from spbe.core import tokens as core_tokens
from spbe.core.db import utcnow
from spbe.identity.models import (
    Account,
    AuthorizationCode,
    ClientAssertionUse,
    Consent,
    IssuedAccessToken,
    LoginSession,
    OidcClient,
    Passkey,
    PendingAuthorization,
    RefreshToken,
    Resident,
    RevokedAccessToken,
    StaffAccount,
)

T = TypeVar("T")


def add(session: Session, row: T) -> T:
    session.add(row)
    session.flush()
    return row


def add_all(session: Session, rows: Iterable[object]) -> None:
    session.add_all(list(rows))
    session.flush()


# residents and accounts


def resident_by_nik(session: Session, nik: str) -> Resident | None:
    return session.scalar(select(Resident).where(Resident.nik == nik))


def resident(session: Session, resident_id: int) -> Resident | None:
    return session.get(Resident, resident_id)


def resident_niks(session: Session) -> set[str]:
    return set(session.scalars(select(Resident.nik)))


def count_residents(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Resident)) or 0


def account_of_resident(session: Session, resident_id: int) -> Account | None:
    return session.scalar(select(Account).where(Account.resident_id == resident_id))


def account(session: Session, account_id: int) -> Account | None:
    return session.get(Account, account_id)


def staff_by_username(session: Session, username: str) -> StaffAccount | None:
    return session.scalar(select(StaffAccount).where(StaffAccount.username == username))


def staff(session: Session, staff_id: int) -> StaffAccount | None:
    return session.get(StaffAccount, staff_id)


# clients


def client(session: Session, client_id: str) -> OidcClient | None:
    return session.scalar(select(OidcClient).where(OidcClient.client_id == client_id))


def clients(session: Session, client_ids: Iterable[str] | None = None) -> list[OidcClient]:
    query = select(OidcClient).order_by(OidcClient.client_id)
    if client_ids is not None:
        query = query.where(OidcClient.client_id.in_(list(client_ids)))
    return list(session.scalars(query))


# protocol state


def pending(session: Session, handle: str) -> PendingAuthorization | None:
    return session.scalar(select(PendingAuthorization).where(PendingAuthorization.handle == handle))


def claim_pending(session: Session, handle: str, now: dt.datetime) -> bool:
    """Mark a pending request used, atomically (a second use finds nothing to update)."""
    result = session.execute(
        update(PendingAuthorization)
        .where(PendingAuthorization.handle == handle, PendingAuthorization.used_at.is_(None))
        .values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def login_session(session: Session, sid_digest: str) -> LoginSession | None:
    return session.scalar(select(LoginSession).where(LoginSession.sid_digest == sid_digest))


def code_by_digest(session: Session, code_digest: str) -> AuthorizationCode | None:
    return session.scalar(select(AuthorizationCode).where(AuthorizationCode.code_digest == code_digest))


def claim_code(session: Session, code_id: int, now: dt.datetime) -> bool:
    result = session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.id == code_id, AuthorizationCode.used_at.is_(None))
        .values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def refresh_by_digest(session: Session, token_digest: str) -> RefreshToken | None:
    return session.scalar(select(RefreshToken).where(RefreshToken.token_digest == token_digest))


def revoke_family(session: Session, family: str, now: dt.datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_refresh_of(session: Session, account_id: int, client_id: str, now: dt.datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.subject_kind == "resident",
            RefreshToken.subject_id == account_id,
            RefreshToken.client_id == client_id,
            RefreshToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


def revoke_access_token(session: Session, jti: str, expires_at: dt.datetime) -> None:
    """A machine access token (not otherwise stored): identity's list, and core's every verifier reads."""
    if session.get(RevokedAccessToken, jti) is None:
        add(session, RevokedAccessToken(jti=jti, expires_at=expires_at))
    core_tokens.revoke(session, jti, expires_at)


def revoke_issued(session: Session, row: IssuedAccessToken, now: dt.datetime) -> None:
    """A person's access token: userinfo stops at once, platform APIs within a few seconds."""
    row.revoked_at = now
    core_tokens.revoke(session, row.jti, row.expires_at)


def access_token_revoked(session: Session, jti: str) -> bool:
    return session.get(RevokedAccessToken, jti) is not None


def remember_assertion(session: Session, client_id: str, jti: str, expires_at: dt.datetime) -> bool:
    """Record a client assertion's jti; False when it was seen before (a replay). One statement:
    ``INSERT … ON CONFLICT DO NOTHING`` on the (client, jti) unique key, on SQLite and PostgreSQL."""
    values = {"client_id": client_id, "jti": jti, "expires_at": expires_at}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(ClientAssertionUse)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["client_id", "jti"])
        .returning(ClientAssertionUse.id)
    )
    return session.execute(statement).scalar() is not None


def remember_assertions(session: Session, uses: list[tuple[str, str, dt.datetime]]) -> set[tuple[str, str]]:
    """Record many (client id, jti, expiry) at once — the token fast path's group commit — and return the
    (client id, jti) pairs that were new; the others were seen before (replays). Core ``executemany``
    with RETURNING, which SQLAlchemy sends as multi-row ``INSERT … ON CONFLICT DO NOTHING`` statements."""
    if not uses:
        return set()
    table = cast(Table, ClientAssertionUse.__table__)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["client_id", "jti"])
        .returning(table.c.client_id, table.c.jti)
    )
    rows = [{"client_id": client_id, "jti": jti, "expires_at": expires} for client_id, jti, expires in uses]
    return {(row.client_id, row.jti) for row in session.connection().execute(statement, rows)}


def purge_expired_assertions(session: Session, now: dt.datetime) -> None:
    session.execute(delete(ClientAssertionUse).where(ClientAssertionUse.expires_at < now))


def purge_expired(session: Session, now: dt.datetime) -> None:
    session.execute(delete(ClientAssertionUse).where(ClientAssertionUse.expires_at < now))
    session.execute(delete(RevokedAccessToken).where(RevokedAccessToken.expires_at < now))
    session.execute(delete(PendingAuthorization).where(PendingAuthorization.expires_at < now))
    session.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at < now))


# consent


def consent(session: Session, account_id: int, client_id: str) -> Consent | None:
    return session.scalar(select(Consent).where(Consent.account_id == account_id, Consent.client_id == client_id))


def consents_of(session: Session, account_id: int) -> list[Consent]:
    return list(session.scalars(select(Consent).where(Consent.account_id == account_id).order_by(Consent.granted_at)))


def account_by_public_id(session: Session, public_id: str) -> Account | None:
    return session.scalar(select(Account).where(Account.public_id == public_id))


def issued_access_token(session: Session, jti: str) -> IssuedAccessToken | None:
    return session.get(IssuedAccessToken, jti)


def revoke_access_of_family(session: Session, family: str, now: dt.datetime) -> None:
    query = select(IssuedAccessToken).where(
        IssuedAccessToken.refresh_family == family,
        IssuedAccessToken.revoked_at.is_(None),
        IssuedAccessToken.expires_at > now,
    )
    for row in session.scalars(query):
        revoke_issued(session, row, now)


def revoke_access_of_client(session: Session, account_id: int, client_id: str, now: dt.datetime) -> None:
    """Consent withdrawn: the RP's unexpired access tokens for this resident stop working."""
    query = select(IssuedAccessToken).where(
        IssuedAccessToken.subject_kind == "resident",
        IssuedAccessToken.subject_id == account_id,
        IssuedAccessToken.client_id == client_id,
        IssuedAccessToken.revoked_at.is_(None),
        IssuedAccessToken.expires_at > now,
    )
    for row in session.scalars(query):
        revoke_issued(session, row, now)


def revoke_access_of_session(session: Session, login_session_id: int, now: dt.datetime) -> None:
    """Logout: the access tokens issued from codes of this sign-in session stop working."""
    query = (
        select(RefreshToken.family)
        .join(AuthorizationCode, AuthorizationCode.id == RefreshToken.code_id)
        .where(AuthorizationCode.session_id == login_session_id)
        .distinct()
    )
    for family in list(session.scalars(query)):
        revoke_access_of_family(session, family, now)


def revoke_family_of_code(session: Session, code_id: int, now: dt.datetime) -> None:
    """A reused authorization code: revoke everything issued from it (RFC 9700 §4.5)."""
    families = list(session.scalars(select(RefreshToken.family).where(RefreshToken.code_id == code_id)))
    for family in families:
        revoke_family(session, family, now)
        revoke_access_of_family(session, family, now)


def client_ids_of_session(session: Session, session_id: int) -> list[str]:
    """The clients that received a code in one login session."""
    query = select(AuthorizationCode.client_id).where(AuthorizationCode.session_id == session_id).distinct()
    return list(session.scalars(query))


def passkeys_of_account(session: Session, account_id: int) -> list[Passkey]:
    query = select(Passkey).where(Passkey.account_id == account_id).order_by(Passkey.created_at, Passkey.id)
    return list(session.scalars(query))


def passkey_by_credential(session: Session, credential_id: str) -> Passkey | None:
    return session.scalar(select(Passkey).where(Passkey.credential_id == credential_id))


def active_login_sessions(session: Session, subject_kind: str, subject_id: int) -> list[LoginSession]:
    """Complete, unexpired, unrevoked sessions of one subject, newest first."""
    query = (
        select(LoginSession)
        .where(
            LoginSession.subject_kind == subject_kind,
            LoginSession.subject_id == subject_id,
            LoginSession.stage == "complete",
            LoginSession.revoked_at.is_(None),
            LoginSession.expires_at > utcnow(),
        )
        .order_by(LoginSession.auth_time.desc(), LoginSession.id.desc())
    )
    return list(session.scalars(query))
