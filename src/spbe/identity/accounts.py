"""Residents' IKD accounts and staff accounts: activation, password + TOTP login, lockout, recovery.

Assurance never drops: recovery with a one-time code by mail still needs the TOTP (a lost TOTP is
reset only at a counter, by an officer, which records an in-person verification). Every login,
failure, activation and recovery goes to the audit log with the internal account id, never the NIK.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from spbe.core.audit import service as audit
from spbe.core.db import utcnow
from spbe.core.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from spbe.core.i18n import N_
from spbe.core.nik.parser import normalize_nik
from spbe.identity import notify, repository, secrets
from spbe.identity.models import Account, Resident, StaffAccount
from spbe.identity.settings import identity_settings

CODE_TTL = dt.timedelta(minutes=10)
MAX_CODE_ATTEMPTS = 5
MIN_PASSWORD_LENGTH = 8
LOGIN_FAILED = N_("The NIK or username, or the password, is not right.")


class LoginFailed(Unauthorized):
    """A failed login whose failure record must survive the request's rollback (see ``routes``)."""


@dataclass(frozen=True)
class Subject:
    """Who signed in: a resident's account or a staff member (what the OIDC grants call the user)."""

    kind: str  # resident | staff
    id: int
    local_id: str  # account public id or staff username
    agency_code: str | None = None
    roles: tuple[str, ...] = field(default_factory=tuple)
    has_totp: bool = False


def resident_subject(account: Account) -> Subject:
    return Subject("resident", account.id, account.public_id, has_totp=account.totp_confirmed)


def staff_subject(staff: StaffAccount) -> Subject:
    return Subject(
        "staff", staff.id, staff.username, staff.agency_code, tuple(staff.roles), has_totp=staff.totp_sealed is not None
    )


def load_subject(session: Session, kind: str, subject_id: int) -> Subject | None:
    if kind == "resident":
        account = repository.account(session, subject_id)
        return resident_subject(account) if account is not None and account.status == "active" else None
    staff = repository.staff(session, subject_id)
    return staff_subject(staff) if staff is not None and staff.active else None


# activation


def start_activation(session: Session, nik: str, email: str, phone: str | None) -> str:
    """Claim a NIK found in the register; mail a one-time code. Returns the account's public id."""
    resident = _resident(session, nik)
    account = repository.account_of_resident(session, resident.id)
    if account is not None and account.status == "active":
        raise Conflict(N_("This NIK already has an active IKD account; use account recovery instead."))
    if account is None:
        account = repository.add(session, Account(public_id=uuid.uuid4().hex, resident_id=resident.id, email=email))
    account.email, account.phone = email.strip(), (phone or "").strip() or None
    _send_code(account, "activation")
    audit.append(
        session,
        actor=account.public_id,
        action="identity.activation.started",
        object_type="identity_account",
        object_id=account.public_id,
    )
    return account.public_id


def _resident(session: Session, nik: str) -> Resident:
    resident = repository.resident_by_nik(session, normalize_nik(nik))
    if resident is None:
        raise NotFound(N_("This NIK is not in the population register."))
    return resident


def _send_code(account: Account, purpose: str) -> None:
    code = secrets.numeric_code()
    account.code_digest = secrets.digest(code)
    account.code_expires_at = utcnow() + CODE_TTL
    account.code_attempts = 0
    notify.send_code(account.email, code, account.public_id, purpose)


def check_code(session: Session, public_id: str, code: str) -> Account:
    """Spend the one-time code (5 tries, 10 minutes)."""
    account = _account_by_public_id(session, public_id)
    expired = account.code_expires_at is None or account.code_expires_at < utcnow()
    if account.code_digest is None or expired or account.code_attempts >= MAX_CODE_ATTEMPTS:
        raise BadRequest(N_("The code has expired or was tried too often; ask for a new one."))
    if secrets.digest(code.strip()) != account.code_digest:
        account.code_attempts += 1
        audit.append(
            session,
            actor=account.public_id,
            action="identity.code.failed",
            outcome="failure",
            object_type="identity_account",
            object_id=account.public_id,
        )
        raise BadRequest(N_("The code is not right."))
    account.code_digest, account.code_expires_at = None, None
    return account


def _account_by_public_id(session: Session, public_id: str) -> Account:
    account = repository.account_by_public_id(session, public_id)
    if account is None:
        raise NotFound("No such account.")
    return account


def set_password(account: Account, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    account.password_hash = secrets.hash_password(password)


def begin_totp(account: Account) -> str:
    """A fresh TOTP seed for enrolment (sealed at rest); returns the seed for the QR/URI."""
    seed = secrets.new_totp_seed()
    account.totp_sealed, account.totp_confirmed = secrets.seal(seed), False
    return seed


def confirm_totp(session: Session, account: Account, code: str) -> None:
    """The first right TOTP code activates the account at the register-matched identity level."""
    if account.totp_sealed is None or account.password_hash is None:
        raise BadRequest("Set a password and scan the authenticator code first.")
    step = secrets.totp_step(secrets.unseal(account.totp_sealed), code, account.totp_last_step)
    if step is None:
        raise BadRequest(N_("The authenticator code is not right."))
    account.totp_last_step, account.totp_confirmed = step, True
    if account.status == "pending":
        account.status, account.activated_at = "active", utcnow()
        if account.identity_level == "self_asserted":
            account.identity_level = "register_matched"
    audit.append(
        session,
        actor=account.public_id,
        action="identity.activation.completed",
        object_type="identity_account",
        object_id=account.public_id,
        data={"identity_level": account.identity_level},
    )


OFFICER_ROLE = "identity:officer"


def verify_in_person(session: Session, nik: str, officer: str) -> Account:
    """An officer's check at a Dukcapil or MPP counter raises the identity level. ``officer`` is the username
    of an active staff account with role ``identity:officer``; the audit record names them and their agency."""
    staff = repository.staff_by_username(session, officer.removeprefix("staff:").strip().lower())
    if staff is None or not staff.active or OFFICER_ROLE not in staff.roles:
        raise Forbidden(f"{officer!r} is not an active staff account with role {OFFICER_ROLE}.")
    account = repository.account_of_resident(session, _resident(session, nik).id)
    if account is None:
        raise NotFound("This resident has not claimed an IKD account yet.")
    account.identity_level = "in_person_verified"
    audit.append(
        session,
        actor=f"staff:{staff.username}",
        action="identity.verified_in_person",
        object_type="identity_account",
        object_id=account.public_id,
        data={"officer": staff.username, "agency": staff.agency_code},
    )
    return account


# login


@dataclass(frozen=True)
class FirstFactor:
    subject: Subject
    needs_otp: bool


def password_login(session: Session, identifier: str, password: str) -> FirstFactor:
    """Check the first factor of a resident (by NIK) or a staff member (by username)."""
    text = identifier.strip()
    digits = normalize_nik(text)
    if len(digits) == 16 and digits.isdigit():
        return _resident_password(session, digits, password)
    return _staff_password(session, text.lower(), password)


def _resident_password(session: Session, nik: str, password: str) -> FirstFactor:
    resident = repository.resident_by_nik(session, nik)
    account = repository.account_of_resident(session, resident.id) if resident else None
    if account is None or account.status != "active":
        secrets.verify_password(None, password)
        _fail(session, "unknown", None)
    assert account is not None
    _check_lock(session, account)
    if not secrets.verify_password(account.password_hash, password):
        _count_failure(account)
        _fail(session, account.public_id, account)
    account.failed_logins = 0
    return FirstFactor(resident_subject(account), needs_otp=True)


def _staff_password(session: Session, username: str, password: str) -> FirstFactor:
    staff = repository.staff_by_username(session, username)
    if staff is None or not staff.active:
        secrets.verify_password(None, password)
        _fail(session, "unknown", None)
    assert staff is not None
    _check_lock(session, staff)
    if not secrets.verify_password(staff.password_hash, password):
        _count_failure(staff)
        _fail(session, f"staff:{staff.username}", staff)
    staff.failed_logins = 0
    return FirstFactor(staff_subject(staff), needs_otp=staff.totp_sealed is not None)


def _check_lock(session: Session, holder: Account | StaffAccount) -> None:
    if holder.locked_until is not None and holder.locked_until > utcnow():
        actor = holder.public_id if isinstance(holder, Account) else f"staff:{holder.username}"
        audit.append(session, actor=actor, action="identity.login.locked", outcome="failure")
        raise LoginFailed(N_("Too many failed attempts: this account is locked for a while. Try again later."))


def _count_failure(holder: Account | StaffAccount) -> None:
    settings = identity_settings()
    holder.failed_logins += 1
    if holder.failed_logins >= settings.max_failed_logins:
        holder.locked_until = utcnow() + dt.timedelta(seconds=settings.lockout_seconds)
        holder.failed_logins = 0


def check_lock(session: Session, holder: Account | StaffAccount) -> None:
    """Refuse (``LoginFailed``) while the account is locked; for other second factors (passkeys)."""
    _check_lock(session, holder)


def count_failure(holder: Account | StaffAccount) -> None:
    """One more failed attempt toward the lockout (passkeys share the TOTP's counter)."""
    _count_failure(holder)


def _fail(session: Session, actor: str, holder: Account | StaffAccount | None) -> None:
    raise LoginFailed(LOGIN_FAILED)


def record_failure(session: Session, actor: str) -> None:
    audit.append(session, actor=actor, action="identity.login.failed", outcome="failure")


def second_factor(session: Session, subject: Subject, code: str) -> None:
    """Check a TOTP code (each code works once); failures count toward the lockout."""
    holder: Account | StaffAccount | None = (
        repository.account(session, subject.id) if subject.kind == "resident" else repository.staff(session, subject.id)
    )
    if holder is None or holder.totp_sealed is None:
        raise Unauthorized("No authenticator is enrolled for this account.")
    _check_lock(session, holder)
    step = secrets.totp_step(secrets.unseal(holder.totp_sealed), code, holder.totp_last_step)
    if step is None:
        _count_failure(holder)
        raise LoginFailed(N_("The authenticator code is not right."))
    holder.totp_last_step = step


def record_login(session: Session, subject: Subject, amr: list[str]) -> None:
    actor = subject.local_id if subject.kind == "resident" else f"staff:{subject.local_id}"
    audit.append(
        session,
        actor=actor,
        action="identity.login",
        object_type="identity_account",
        object_id=subject.local_id,
        data={"amr": amr},
    )


# recovery


def start_recovery(session: Session, nik: str, email: str) -> str:
    """Mail a one-time code to the registered address (the same channel proven at activation)."""
    account = repository.account_of_resident(session, _resident(session, nik).id)
    if account is None or account.status != "active" or account.email.lower() != email.strip().lower():
        raise NotFound("No active IKD account matches this NIK and email address.")
    _send_code(account, "recovery")
    audit.append(
        session,
        actor=account.public_id,
        action="identity.recovery.started",
        object_type="identity_account",
        object_id=account.public_id,
    )
    return account.public_id


def finish_recovery(session: Session, public_id: str, code: str, totp_code: str, new_password: str) -> None:
    """New password after the mailed code *and* the enrolled TOTP: recovery keeps the assurance level."""
    account = check_code(session, public_id, code)
    second_factor(session, resident_subject(account), totp_code)
    set_password(account, new_password)
    account.failed_logins, account.locked_until = 0, None
    audit.append(
        session,
        actor=account.public_id,
        action="identity.recovery.completed",
        object_type="identity_account",
        object_id=account.public_id,
    )


# staff


def create_staff(
    session: Session, username: str, name: str, email: str, agency_code: str, roles: list[str], password: str
) -> StaffAccount:
    if repository.staff_by_username(session, username.lower()) is not None:
        raise Conflict(f"Staff account {username!r} already exists.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    staff = StaffAccount(
        username=username.lower(),
        name=name,
        email=email,
        agency_code=agency_code,
        roles=sorted(set(roles)),
        password_hash=secrets.hash_password(password),
    )
    return repository.add(session, staff)
