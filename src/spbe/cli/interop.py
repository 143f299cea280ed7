"""``spbe interop``: the coordinator's tools — register members, subsystems and services, publish them,
grant access, issue development API keys, run a gateway node and work with the message log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from cryptography.exceptions import InvalidTag
from pydantic import ValidationError as PydanticValidationError
from rich.table import Table
from sqlalchemy.orm import Session

from spbe.cli.runtime import console, error_console, friendly_errors, runtime
from spbe.core.audit import service as audit
from spbe.core.errors import NotFound, ValidationFailed
from spbe.interop import access_requests, management, noderun, openapi_docs, repository
from spbe.interop import service as interop
from spbe.interop.config_document import build_snapshot, read_document
from spbe.interop.identifiers import ClientId, InvalidIdentifier, ServiceId, parse_client, parse_r1_path
from spbe.interop.models import Service
from spbe.interop.msglog import anchors as log_anchors
from spbe.interop.msglog import archive
from spbe.interop.msglog.bodies import BodyCipher
from spbe.interop.msglog.evidence import check_position
from spbe.interop.msglog.signing import key_store_resolver
from spbe.interop.msglog.verify import verify_log
from spbe.interop.node import key_dir
from spbe.interop.permissions import CLI
from spbe.interop.schemas import AccessRequestIn, AccessRequestOut
from spbe.interop.settings import get_gateway_settings

app = typer.Typer(help="SPLP gateway: members, services, access rights, message log.", no_args_is_help=True)
log_app = typer.Typer(help="The signed message log (log pesan).", no_args_is_help=True)
key_app = typer.Typer(
    help="Per-subsystem API keys: the development option. In production callers use certificates from the "
    "platform CA (spbe interop cert) or OAuth client credentials from IKD (SPBE_INTEROP_API_KEYS=false).",
    no_args_is_help=True,
)
app.add_typer(log_app, name="log")
app.add_typer(key_app, name="key")
ACTOR = "cli"


def _client(text: str) -> ClientId:
    try:
        return parse_client(text)
    except InvalidIdentifier as exc:
        raise ValidationFailed(f"bad identifier {text!r}: {exc}") from None


def _service(text: str) -> ServiceId:
    try:
        return parse_r1_path("/r1/" + text.strip("/")).service
    except InvalidIdentifier as exc:
        raise ValidationFailed(f"bad service identifier {text!r} (INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE)") from exc


def _endpoint(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    method, _, path = text.partition(" ")
    if not path:
        raise ValidationFailed("endpoint is 'METHOD /path' (e.g. 'GET /penduduk/*')")
    return method.upper(), path


@app.command("member-add")
@friendly_errors
def member_add(
    member: Annotated[str, typer.Argument(help="INSTANCE/CLASS/CODE, e.g. ID/PEMDA/KOTA-32.73")],
    name: Annotated[str, typer.Option(help="Agency name.")],
    province: Annotated[str | None, typer.Option(help="Province code (two digits) for group rights.")] = None,
) -> None:
    """Register an agency as a member."""
    with runtime.unit_of_work() as session:
        row = interop.register_member(
            session, _client(member), name, agency_code=_client(member).member_code, province_code=province
        )
        console.print(f"Member {member} (id {row.id})")


@app.command("subsystem-add")
@friendly_errors
def subsystem_add(
    subsystem: Annotated[str, typer.Argument(help="INSTANCE/CLASS/CODE/SUBSYSTEM")],
    name: Annotated[str, typer.Option(help="Name of the information system.")],
) -> None:
    """Register one of a member's information systems."""
    with runtime.unit_of_work() as session:
        interop.register_subsystem(session, _client(subsystem), name)
        console.print(f"Subsystem {subsystem}")


@app.command("service-add")
@friendly_errors
def service_add(
    service: Annotated[str, typer.Argument(help="INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE")],
    url: Annotated[str, typer.Option(help="The back end's base URL (the only URL the gateway will call).")],
    title: Annotated[str, typer.Option(help="Human title.")] = "",
    openapi: Annotated[
        Path | None,
        typer.Option(help="OpenAPI 3 file (JSON or YAML), mandatory for a new service; its paths become endpoints."),
    ] = None,
    timeout_ms: Annotated[int, typer.Option(min=100, help="Back-end timeout.")] = 30_000,
    publish: Annotated[bool, typer.Option(help="Publish a new service at once (else: spbe interop publish).")] = True,
) -> None:
    """Register or update a REST service. A new service needs its OpenAPI document (as in the portal);
    an update without --openapi keeps the current one."""
    document = openapi_docs.parse(openapi.read_bytes()).json_text if openapi else None
    identifier = _service(service)
    with runtime.unit_of_work() as session:
        existing = _existing_service(session, identifier)
        if existing is None and document is None:
            raise ValidationFailed("--openapi is required for a new service (the OpenAPI document is mandatory)")
        if document is None and existing is not None:
            document = existing.openapi
        row = interop.register_service(
            session, identifier, interop.ServiceSpec(title, url, timeout_ms, document), actor=ACTOR
        )
        if existing is None and not publish:
            management.set_published(session, CLI, row.id, False)
        state = "published" if row.enabled else "unpublished"
        console.print(f"Service {service} → {url} ({state})")


def _existing_service(session: Session, identifier: ServiceId) -> Service | None:
    try:
        subsystem = interop.subsystem_of(session, identifier.provider)
    except NotFound:
        return None
    return repository.find_service(session, subsystem.id, identifier.service_code)


def _set_published(service: str, published: bool) -> None:
    identifier = _service(service)
    with runtime.unit_of_work() as session:
        row = _existing_service(session, identifier)
        if row is None:
            raise NotFound(f"no service {identifier}")
        out = management.set_published(session, CLI, row.id, published)
    console.print(f"{out.identifier}: {'published' if out.published else 'unpublished'}")


@app.command()
@friendly_errors
def publish(service: Annotated[str, typer.Argument(help="INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE")]) -> None:
    """Publish a service: callable through the gateway and listed in the catalogue (needs its OpenAPI). Audited."""
    _set_published(service, True)


@app.command()
@friendly_errors
def unpublish(service: Annotated[str, typer.Argument(help="INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE")]) -> None:
    """Withdraw a service from the gateway and the catalogue; grants are kept. Audited."""
    _set_published(service, False)


def _subject(to: str | None, group: str | None) -> interop.Subject:
    if (to is None) == (group is None):
        raise ValidationFailed("give exactly one of --to SUBSYSTEM or --group GROUP")
    return interop.Subject(subsystem=_client(to) if to else None, group=group)


@app.command()
@friendly_errors
def grant(
    service: Annotated[str, typer.Argument(help="INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE")],
    to: Annotated[str | None, typer.Option(help="Client subsystem INSTANCE/CLASS/CODE/SUBSYSTEM.")] = None,
    group: Annotated[str | None, typer.Option(help="all | class:PEMDA | class:GOV | province:32")] = None,
    endpoint: Annotated[str | None, typer.Option(help="Only this endpoint, 'METHOD /path' ('*' wildcards).")] = None,
) -> None:
    """Allow a subsystem or a group to call a service (default is deny). Audited."""
    subject = _subject(to, group)
    with runtime.unit_of_work() as session:
        interop.grant(session, _service(service), subject, actor=ACTOR, endpoint=_endpoint(endpoint))
    console.print(f"Granted {service} to {subject.describe()}")


@app.command()
@friendly_errors
def revoke(
    service: Annotated[str, typer.Argument(help="INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE")],
    to: Annotated[str | None, typer.Option(help="Client subsystem.")] = None,
    group: Annotated[str | None, typer.Option(help="Group.")] = None,
    endpoint: Annotated[str | None, typer.Option(help="'METHOD /path'")] = None,
) -> None:
    """Withdraw a right. Audited."""
    subject = _subject(to, group)
    with runtime.unit_of_work() as session:
        interop.revoke(session, _service(service), subject, actor=ACTOR, endpoint=_endpoint(endpoint))
    console.print(f"Revoked {service} from {subject.describe()}")


@app.command()
@friendly_errors
def quota(
    service: Annotated[str, typer.Argument(help="INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE")],
    limit: Annotated[int, typer.Option(min=1, help="Requests allowed per window.")],
    window: Annotated[int, typer.Option(min=1, help="Window in seconds.")] = 60,
    client: Annotated[
        str | None, typer.Option(help="Count only this client subsystem's calls (default: all callers together).")
    ] = None,
) -> None:
    """Limit calls to a service. Without --client all callers share the limit (service-wide); with --client
    only that client's calls count. Each quota counts on its own."""
    with runtime.unit_of_work() as session:
        interop.set_quota(session, _service(service), limit, window, client=_client(client) if client else None)
    console.print(f"Quota on {service}: {limit} per {window} s")


@app.command("list")
@friendly_errors
def list_services() -> None:
    """Services, their back ends and who may call them."""
    with runtime.unit_of_work(write=False) as session:
        snapshot = build_snapshot(read_document(session))
    table = Table("Service", "Back end", "Grants")
    for entry in snapshot.services.values():
        grants = ", ".join(
            f"{g.subject or g.group}{' ' + g.endpoint.method + ' ' + g.endpoint.path if g.endpoint else ''}"
            for g in entry.grants
        )
        table.add_row(str(entry.id), entry.upstream.url_for("", ""), grants or "(none: deny)")
    console.print(table)


@key_app.command("issue")
@friendly_errors
def key_issue(subsystem: Annotated[str, typer.Argument(help="INSTANCE/CLASS/CODE/SUBSYSTEM")]) -> None:
    """Issue an API key (shown once) for a subsystem."""
    with runtime.unit_of_work() as session:
        key = interop.issue_api_key(session, _client(subsystem), actor=ACTOR)
    console.print(f"X-SPLP-Api-Key: {key}")


@key_app.command("revoke")
@friendly_errors
def key_revoke(key_id: Annotated[str, typer.Argument(help="The key id (the part after 'splp_').")]) -> None:
    """Revoke an API key."""
    with runtime.unit_of_work() as session:
        interop.revoke_api_key(session, key_id, actor=ACTOR)
    console.print(f"Revoked {key_id}")


@app.command("request-access")
@friendly_errors
def request_access(
    service: Annotated[str, typer.Argument(help="INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE")],
    client: Annotated[
        str, typer.Option("--client", help="The subsystem that will call (INSTANCE/CLASS/CODE/SUBSYSTEM).")
    ],
    purpose: Annotated[str, typer.Option(help="What the access is for (the provider reads it).")],
    endpoint: Annotated[
        list[str] | None, typer.Option(help="Only this endpoint, 'METHOD /path' (repeatable); default: whole service.")
    ] = None,
) -> None:
    """File an access request on behalf of a consumer subsystem. Audited."""
    try:
        data = AccessRequestIn(service=service, client=client, endpoints=endpoint or [], purpose=purpose)
    except PydanticValidationError as exc:
        raise ValidationFailed("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    with runtime.unit_of_work() as session:
        out = access_requests.request_access(session, CLI, data)
    console.print(f"Access request {out.id}: {out.client} → {out.service} ({out.status})")


@app.command("requests")
@friendly_errors
def list_requests(
    status: Annotated[str | None, typer.Option(help="requested | approved | rejected | withdrawn")] = None,
) -> None:
    """Access requests, newest first."""
    with runtime.unit_of_work(write=False) as session:
        rows = access_requests.list_requests(session, CLI, status=status)
    _print_requests(rows)


def _print_requests(rows: list[AccessRequestOut]) -> None:
    """One block per request (a table would truncate identifiers in a narrow terminal)."""
    for row in rows:
        endpoints = ", ".join(row.endpoints) or "*"
        console.print(
            f"#{row.id} {row.status} {row.client} → {row.service} [{endpoints}]", soft_wrap=True, markup=False
        )
        console.print(
            f"    purpose: {row.purpose}  (by {row.requested_by}, {row.requested_at:%Y-%m-%d %H:%M} UTC)",
            soft_wrap=True,
            markup=False,
        )
        if row.decided_by:
            reason = f": {row.reason}" if row.reason else ""
            console.print(f"    {row.status} by {row.decided_by}{reason}", soft_wrap=True, markup=False)
    console.print(f"{len(rows)} request(s)")


@app.command()
@friendly_errors
def approve(request_id: Annotated[int, typer.Argument(help="The access request id.")]) -> None:
    """Approve an access request: the grant is created; gateways apply it within the refresh interval."""
    with runtime.unit_of_work() as session:
        out = access_requests.decide(session, CLI, request_id, approve=True)
    console.print(f"Approved {out.id}: {out.client} may call {out.service} ({', '.join(out.endpoints) or '*'})")


@app.command()
@friendly_errors
def reject(
    request_id: Annotated[int, typer.Argument(help="The access request id.")],
    reason: Annotated[str, typer.Option(help="Why (the requester sees it).")],
) -> None:
    """Reject an access request with a reason."""
    with runtime.unit_of_work() as session:
        out = access_requests.decide(session, CLI, request_id, approve=False, reason=reason)
    console.print(f"Rejected {out.id}: {out.reason}")


@app.command()
@friendly_errors
def gateway(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8080,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (one message-log stream each).")] = 1,
    server: Annotated[str, typer.Option(help="'own' (httptools on asyncio, fastest) or 'uvicorn' (ASGI).")] = "own",
) -> None:
    """Run a stand-alone gateway node (data plane only, uvloop + httptools)."""
    if server not in ("own", "uvicorn"):
        raise ValidationFailed("--server is 'own' or 'uvicorn'")
    console.print(f"SPLP gateway on http://{host}:{port} ({workers} worker(s), {server} server)")
    if server == "own":
        noderun.serve(host, port, workers)
        return
    uvicorn.run(
        "spbe.interop.node:create_gateway_node",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        server_header=False,
        log_config=None,
        lifespan="on",
        backlog=4096,
    )


def _log_dir() -> Path:
    return get_gateway_settings().resolved_log_dir(runtime.settings.data_dir)


@log_app.command("verify")
@friendly_errors
def log_verify(
    archive_dir: Annotated[Path | None, typer.Option(help="Archive folder (anchors for pruned segments).")] = None,
) -> None:
    """Recompute every hash and check every signature of the message log."""
    anchors = archive.anchors(archive_dir) if archive_dir else {}
    with runtime.unit_of_work(write=False) as session:
        book = log_anchors.load(session)
        reports = verify_log(_log_dir(), key_store_resolver(session, key_dir(runtime.settings)), anchors, book)
    failed = [r for r in reports if not r.ok]
    for report in reports:
        state = "[green]ok[/green]" if report.ok else "[red]FAILED[/red]"
        tail = f", {report.unsigned_tail} unsigned tail (crash, never acknowledged)" if report.unsigned_tail else ""
        if report.unanchored:
            tail += f", {report.unanchored} after the last anchor (a crash may lose these)"
        console.print(f"{state} {report.stream}: {report.segments} segment(s), {report.signed_records} signed{tail}")
        for note in report.notes:
            console.print(f"  · {note}", markup=False)
        for problem in report.problems:
            error_console.print(f"  - {problem}", markup=False)
    console.print(f"{len(reports)} stream(s), {sum(r.signed_records for r in reports)} signed records")
    if failed:
        raise typer.Exit(1)


@log_app.command("find")
@friendly_errors
def log_find(
    message_id: Annotated[str, typer.Argument(help="The X-Road-Id to look up.")],
    archive_dir: Annotated[
        Path | None, typer.Option(help="Also search this archive folder (segments pruned from the log).")
    ] = None,
    decrypt: Annotated[
        bool, typer.Option(help="Open logged bodies (SPBE_INTEROP_LOG_MODE=bodies) with the platform secret. Audited.")
    ] = False,
) -> None:
    """Show the record(s) of one message and whether each still verifies in its chain position
    (its segment's hash chain up to it and the batch signature after it). Exit 1 if none is found or one
    does not verify."""
    records = archive.find(_log_dir(), message_id, archive_dir)
    if not records:
        error_console.print(f"No record with X-Road-Id {message_id}", markup=False)
        raise typer.Exit(1)
    with runtime.unit_of_work(write=decrypt) as session:
        keys = key_store_resolver(session, key_dir(runtime.settings))
        positions = [check_position(Path(r.pop("_file")), r["_hash"], keys) for r in records]
        if decrypt:
            _open_bodies(session, records, message_id)
    for record, position in zip(records, positions, strict=True):
        record["_chain"] = {"verified": position.verified, "detail": position.detail}
        console.print_json(data=record)
        if not position.verified:
            error_console.print(f"[red]chain position does not verify:[/red] {position.detail}")
    if not all(p.verified for p in positions):
        raise typer.Exit(1)


def _open_bodies(session: Session, records: list[dict[str, Any]], message_id: str) -> None:
    """Replace sealed bodies by their plaintext, and audit who opened which message's bodies."""
    cipher = BodyCipher(runtime.settings.resolved_secret_key())
    opened = 0
    for record in records:
        for name in ("requestBody", "responseBody"):
            if isinstance(record.get(name), str):
                try:
                    plain = cipher.open(record[name], message_id)
                except (InvalidTag, ValueError):
                    record[name] = {"error": "cannot be opened (another platform secret, or altered)"}
                    continue
                record[name] = {"text": plain.decode("utf-8", errors="replace"), "bytes": len(plain)}
                opened += 1
    if not opened:
        raise ValidationFailed("no logged bodies to open (the gateway ran with SPBE_INTEROP_LOG_MODE=metadata)")
    audit.append(
        session,
        actor=ACTOR,
        action="interop.msglog.bodies_opened",
        object_type="interop_message",
        object_id=message_id,
        data={"bodies": opened},
    )


@log_app.command("export")
@friendly_errors
def log_export(to: Annotated[Path, typer.Option(help="Archive folder.")]) -> None:
    """Copy closed segments into a hash-linked archive (manifest.jsonl)."""
    names = archive.export(_log_dir(), to)
    console.print(f"Exported {len(names)} segment(s) to {to}")


@log_app.command("prune")
@friendly_errors
def log_prune(
    archive_dir: Annotated[Path, typer.Option(help="Archive folder; only archived segments are deleted.")],
    days: Annotated[
        int | None, typer.Option(min=1, help="Retention (default SPBE_INTEROP_LOG_RETENTION_DAYS).")
    ] = None,
) -> None:
    """Delete archived segments older than the retention period."""
    removed = archive.prune(_log_dir(), archive_dir, days or get_gateway_settings().log_retention_days)
    console.print(f"Removed {len(removed)} segment(s)")


@log_app.command("maintain")
@friendly_errors
def log_maintain(
    archive_dir: Annotated[Path, typer.Option(help="Archive folder.")],
    days: Annotated[
        int | None, typer.Option(min=1, help="Retention (default SPBE_INTEROP_LOG_RETENTION_DAYS).")
    ] = None,
) -> None:
    """Export closed segments, then delete archived ones older than the retention period: the retention
    job, to run daily from cron or a systemd timer (idempotent; safe while gateways run)."""
    exported, removed = archive.maintain(_log_dir(), archive_dir, days or get_gateway_settings().log_retention_days)
    console.print(f"Exported {len(exported)} segment(s), removed {len(removed)} from the log", soft_wrap=True)
