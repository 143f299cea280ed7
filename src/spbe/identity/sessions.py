"""Sign-in sessions at the provider (the ``ikd_sid`` cookie): first factor done, or complete."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from spbe.core.db import utcnow
from spbe.identity import accounts, repository, secrets
from spbe.identity.accounts import Subject
from spbe.identity.models import LoginSession
from spbe.identity.oidc import claims as claim_rules
from spbe.identity.oidc.adapters import EndUser
from spbe.identity.settings import identity_settings

COOKIE = "ikd_sid"
ACR_MOCK = "urn:ikd:acr:mock"  # mock mode (development): never a real sign-in
AMR_MOCK = "mock"


def start(session: Session, subject: Subject, *, complete: bool, amr: list[str]) -> tuple[str, LoginSession]:
    """A new session (the cookie value is returned once; only its digest is stored)."""
    value = secrets.new_token()
    row = LoginSession(
        sid_digest=secrets.digest(value),
        subject_kind=subject.kind,
        subject_id=subject.id,
        stage="complete" if complete else "password",
        amr=amr,
        auth_time=utcnow(),
        expires_at=utcnow() + dt.timedelta(seconds=identity_settings().session_ttl),
    )
    return value, repository.add(session, row)


def current(session: Session, cookie: str | None) -> LoginSession | None:
    if not cookie:
        return None
    row = repository.login_session(session, secrets.digest(cookie))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row


def complete(row: LoginSession, extra_amr: list[str]) -> None:
    row.stage, row.amr, row.auth_time = "complete", sorted({*row.amr, *extra_amr}), utcnow()


def end(row: LoginSession) -> None:
    row.revoked_at = utcnow()


def subject_of(session: Session, row: LoginSession) -> Subject | None:
    return accounts.load_subject(session, row.subject_kind, row.subject_id)


def end_user(session: Session, row: LoginSession) -> EndUser | None:
    """The signed-in person as the grants see them (only for a complete session)."""
    subject = subject_of(session, row)
    if subject is None or row.stage != "complete":
        return None
    if AMR_MOCK in row.amr:  # a mock session counts only while mock mode is on
        if not identity_settings().mock_mode:
            return None
        return EndUser(subject, tuple(row.amr), ACR_MOCK, row.auth_time, row.id)
    return EndUser(subject, tuple(row.amr), claim_rules.acr_for(row.amr), row.auth_time, row.id)


def active_of(session: Session, subject: Subject) -> list[LoginSession]:
    """The subject's complete, unexpired, unrevoked sessions, newest first (for the account page)."""
    return repository.active_login_sessions(session, subject.kind, subject.id)


def pending_subject(session: Session, row: LoginSession) -> Subject | None:
    """The subject of a session waiting for its second factor (accounts still pending too)."""
    if row.subject_kind == "resident":
        account = repository.account(session, row.subject_id)
        return accounts.resident_subject(account) if account is not None else None
    return accounts.load_subject(session, row.subject_kind, row.subject_id)
