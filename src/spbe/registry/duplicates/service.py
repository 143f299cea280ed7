"""The duplicate finder's rules: build the analysis (index + groups), explain it, check one proposal.

The analysis is kept in memory per database and rebuilt only when the applications or integrations change
(``repository.fingerprint``), so reading groups and checking a proposal cost milliseconds.

A running platform calls ``warm_up(session_factory)`` at startup: the first analysis is built in a
background thread (readiness is not held up), and from then on a change is picked up **stale-while-
rebuilding** — the request that notices it gets the previous analysis at once and starts one background
rebuild, whose result replaces it seconds later. Only a request arriving before the very first analysis
exists waits for it. Without ``warm_up`` (tests, the CLI) analyses are built in the caller's session, so
they see its uncommitted rows.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from spbe.core.errors import NotFound
from spbe.core.i18n import gettext as _
from spbe.registry.duplicates import clustering, keys, repository
from spbe.registry.duplicates.index import AppRecord, DuplicateIndex, Features
from spbe.registry.duplicates.lexicon import UMUM_COVERAGE
from spbe.registry.duplicates.schemas import (
    CheckIn,
    CheckOut,
    GroupOut,
    GroupPage,
    GroupSummary,
    Match,
    MemberOut,
    Reason,
)

DUPLICATE, SIMILAR = 0.6, 0.4
MAJORITY = 0.5
UMUM_SCOPE = {"SAKTI": "central", "SIPD": "regional", "KRISNA": "central"}
TAXONOMY = Path(__file__).resolve().parents[1] / "data" / "taxonomy"


@dataclass
class GroupView:
    """One duplicate group with what explains it."""

    key: str
    rows: list[int]
    score: float
    agencies: int
    label: str
    concepts: list[str]
    affairs: list[str]
    category: str | None
    service_area: str | None
    words: list[str]
    umum: AppRecord | None = None


@dataclass
class Analysis:
    """Everything the pages and the API read: records, the fitted index and the groups."""

    fingerprint: tuple[object, ...]
    records: list[AppRecord]
    umum: list[AppRecord]
    index: DuplicateIndex | None
    groups: list[GroupView]
    seconds: float
    group_of_row: dict[int, str] = field(default_factory=dict)

    def group(self, key: str) -> GroupView:
        for group in self.groups:
            if group.key == key:
                return group
        raise NotFound(f"There is no duplicate group {key!r}.")


_cache: dict[str, Analysis] = {}
_lock = threading.Lock()  # one build at a time (they use both cores)
_background: dict[str, sessionmaker[Session]] = {}  # databases refreshed in the background (``warm_up``)
_rebuilds: dict[str, threading.Thread] = {}
_rebuilds_lock = threading.Lock()
log = logging.getLogger(__name__)


def _where(session: Session) -> str:
    return str(session.get_bind().engine.url)


def analyse(session: Session) -> Analysis:
    """The current analysis, rebuilt when the applications changed since the last one.

    For a database given to ``warm_up`` a change starts a background rebuild and the previous analysis is
    returned meanwhile; otherwise the rebuild happens here, in ``session``.
    """
    where = _where(session)
    stamp = repository.fingerprint(session)
    cached = _cache.get(where)
    if cached is not None and cached.fingerprint == stamp:
        return cached
    factory = _background.get(where)
    if factory is not None:
        rebuild = _rebuild_in_background(where, factory)
        if cached is not None:
            return cached
        rebuild.join()  # before the first analysis exists there is nothing to show meanwhile
        if (fresh := _cache.get(where)) is not None:
            return fresh
    with _lock:
        analysis = build(repository.load_records(session), stamp)
        _cache[where] = analysis
    return analysis


def warm_up(factory: sessionmaker[Session]) -> threading.Thread:
    """Build the analysis of ``factory``'s database in the background and keep it fresh from then on."""
    with factory() as session:
        where = _where(session)
    _background[where] = factory
    return _rebuild_in_background(where, factory)


def _rebuild_in_background(where: str, factory: sessionmaker[Session]) -> threading.Thread:
    """The running background rebuild of this database, or a new one."""
    with _rebuilds_lock:
        running = _rebuilds.get(where)
        if running is not None and running.is_alive():
            return running
        thread = threading.Thread(target=_rebuild, args=(where, factory), name="duplicates-rebuild", daemon=True)
        _rebuilds[where] = thread
        thread.start()
        return thread


def _rebuild(where: str, factory: sessionmaker[Session]) -> None:
    try:
        with factory() as session:
            stamp = repository.fingerprint(session)
            cached = _cache.get(where)
            if cached is not None and cached.fingerprint == stamp:
                return
            records = repository.load_records(session)
        with _lock:
            _cache[where] = build(records, stamp)
        log.info("duplicate analysis rebuilt", extra={"seconds": round(_cache[where].seconds, 2)})
    except Exception:  # a failed rebuild leaves the previous analysis; the next change tries again
        log.exception("duplicate analysis rebuild failed")


def build(all_records: list[AppRecord], stamp: tuple[object, ...] = ()) -> Analysis:
    """Fit the index over the khusus applications and group them (the Aplikasi Umum are the targets)."""
    started = time.perf_counter()
    records = [r for r in all_records if r.kind != "umum"]
    umum = [r for r in all_records if r.kind == "umum"]
    if len(records) < 2:
        return Analysis(stamp, records, umum, None, [], time.perf_counter() - started)
    index = DuplicateIndex(records)
    left, right = index.candidate_pairs()
    pairs = index.score_pairs(left, right)
    concepts = [features.concepts for features in index.features]
    groups = clustering.cluster(pairs, len(records), index.agency, index.matrix, concepts=concepts)
    views = [_view(index, group, umum) for group in groups]
    keys.assign(views, dict(enumerate(index.records)))  # stable keys, not the smallest code
    analysis = Analysis(stamp, records, umum, index, views, time.perf_counter() - started)
    analysis.group_of_row = {row: view.key for view in views for row in view.rows}
    return analysis


# -- explaining a group -----------------------------------------------------------------------------------


def _majority(values: Iterable[Iterable[str]], size: int, share: float = MAJORITY) -> list[str]:
    counts = Counter(value for row in values for value in set(row))
    needed = max(2, math.ceil(share * size))  # in a pair, both must have it
    return [value for value, count in counts.most_common() if count >= needed]


def _view(index: DuplicateIndex, group: clustering.Group, umum: list[AppRecord]) -> GroupView:
    rows = sorted(group.members, key=lambda row: index.records[row].code)
    records = [index.records[row] for row in rows]
    features = [index.features[row] for row in rows]
    size = len(rows)
    concepts = _majority((f.concepts for f in features), size)
    words = _majority((f.name.split() for f in features), size, 0.3)[:4]
    words += [w for w in _majority((f.description.split() for f in features), size, 0.4) if w not in words][:4]
    names = Counter(r.acronym or r.name for r in records).most_common(3)
    categories = Counter(r.category for r in records).most_common(1)
    areas = Counter(r.service_area for r in records).most_common(1)
    view = GroupView(
        key=records[0].code, rows=rows, score=group.score, agencies=len({r.agency_code for r in records}),
        label=" / ".join(name for name, _count in names), concepts=concepts,
        affairs=_majority((r.affairs for r in records), size), category=categories[0][0], service_area=areas[0][0],
        words=words,
    )  # fmt: skip
    view.umum = umum_target(concepts, records, umum)
    return view


def umum_target(concepts: list[str], records: list[AppRecord], umum: list[AppRecord]) -> AppRecord | None:
    """The Aplikasi Umum covering the group's job, if one does (regional or central scope respected)."""
    regional = sum(r.agency_code.startswith(("PROV-", "KAB-", "KOTA-")) for r in records) >= len(records) / 2
    scope = "regional" if regional else "central"
    by_acronym = {(u.acronym or u.name): u for u in umum}
    for concept in concepts:
        for acronym, covered in UMUM_COVERAGE.items():
            if concept in covered and acronym in by_acronym and UMUM_SCOPE.get(acronym, scope) == scope:
                return by_acronym[acronym]
    return None


@cache
def affair_names() -> dict[str, str]:
    terms = json.loads((TAXONOMY / "probis.json").read_text(encoding="utf-8"))["terms"]
    return {term["code"]: term["name"] for term in terms}


@cache
def category_names() -> dict[str, str]:
    terms = json.loads((TAXONOMY / "aplikasi.json").read_text(encoding="utf-8"))["terms"]
    return {term["code"]: term["name"] for term in terms}


def _concept_label(concept: str) -> str:
    return concept.replace("-", " ")


def _affair_label(code: str) -> str:
    name = affair_names().get(code, "")
    return f"{code} {name}" if name and "urusan" not in name else code


def group_reasons(view: GroupView) -> list[Reason]:
    reasons: list[Reason] = []
    if view.words:
        reasons.append(Reason(code="shared_words", values=view.words,
                              text=_("Shared words: %(words)s") % {"words": ", ".join(view.words)}))  # fmt: skip
    if view.concepts:
        labels = [_concept_label(c) for c in view.concepts]
        reasons.append(
            Reason(
                code="same_concept",
                values=view.concepts,
                text=_("Same job under different names: %(jobs)s") % {"jobs": ", ".join(labels)},
            )
        )
    reasons += _classification_reasons(view.affairs, view.category, view.service_area)
    return reasons


def _classification_reasons(affairs: list[str], category: str | None, area: str | None) -> list[Reason]:
    reasons: list[Reason] = []
    if affairs:
        labels = ", ".join(_affair_label(a) for a in affairs)
        reasons.append(
            Reason(
                code="same_affairs",
                values=affairs,
                text=_("Same business affairs (Proses Bisnis): %(affairs)s") % {"affairs": labels},
            )
        )
    if category:
        label = category_names().get(category, category)
        reasons.append(Reason(code="same_category", values=[category],
                              text=_("Same application category: %(category)s") % {"category": label}))  # fmt: skip
    if area:
        label = _("public services") if area == "publik" else _("government administration")
        reasons.append(Reason(code="same_service_area", values=[area],
                              text=_("Same service area: %(area)s") % {"area": label}))  # fmt: skip
    return reasons


# -- reading ----------------------------------------------------------------------------------------------


def member(record: AppRecord) -> MemberOut:
    return MemberOut(
        code=record.code,
        name=record.name,
        acronym=record.acronym,
        agency_code=record.agency_code,
        agency_name=record.agency_name,
        integrations=record.integrations,
        users=record.users,
        functional_fit=record.functional_fit,
        technical_fit=record.technical_fit,
        status=record.status,
    )


def summary(analysis: Analysis, view: GroupView) -> GroupSummary:
    return GroupSummary(key=view.key, label=view.label, score=view.score, applications=len(view.rows),
                        agencies=view.agencies, affairs=view.affairs,
                        umum_target=view.umum.acronym if view.umum else None, reasons=group_reasons(view))  # fmt: skip


def filtered(analysis: Analysis, agency: str | None = None, affair: str | None = None) -> list[GroupView]:
    """Groups with an application of ``agency`` and/or serving ``affair`` (Proses Bisnis code)."""
    groups = analysis.groups
    if agency:
        wanted = agency.strip().upper()
        groups = [g for g in groups if any(analysis.records[r].agency_code == wanted for r in g.rows)]
    if affair:
        groups = [
            g for g in groups if affair in g.affairs or any(affair in analysis.records[r].affairs for r in g.rows)
        ]
    return groups


def list_groups(session: Session, *, agency: str | None = None, affair: str | None = None, limit: int = 50,
                offset: int = 0) -> GroupPage:  # fmt: skip
    analysis = analyse(session)
    groups = filtered(analysis, agency, affair)
    items = [summary(analysis, view) for view in groups[offset : offset + limit]]
    return GroupPage(items=items, total=len(groups), applications_in_groups=sum(len(g.rows) for g in groups),
                     limit=limit, offset=offset)  # fmt: skip


def get_group(session: Session, key: str) -> GroupOut:
    analysis = analyse(session)
    view = analysis.group(key)
    members = sorted((analysis.records[r] for r in view.rows), key=lambda r: (r.agency_code, r.code))
    return GroupOut(**summary(analysis, view).model_dump(), members=[member(r) for r in members])


# -- "is this a duplicate?" -------------------------------------------------------------------------------


def check(session: Session, proposal: CheckIn) -> CheckOut:
    """The existing applications closest to a proposal, with scores and reasons, best first."""
    analysis = analyse(session)
    return check_in(analysis, proposal)


def check_in(analysis: Analysis, proposal: CheckIn) -> CheckOut:
    started = time.perf_counter()
    if analysis.index is None:
        return CheckOut(verdict="new", umum_target=None, matches=[], took_ms=0.0)
    record = AppRecord(id=0, code="", name=proposal.name, acronym=proposal.acronym, description=proposal.description,
                       agency_code=proposal.agency_code or "", category=proposal.category,
                       service_area=proposal.service_area, affairs=tuple(proposal.affairs))  # fmt: skip
    rows, scores = analysis.index.query(record, k=proposal.limit)
    features = analysis.index.vectorise(record)[0]
    matches = [_match(analysis, int(row), float(score), features, record, scores.parts, n)
               for n, (row, score) in enumerate(zip(rows, scores.score, strict=True))]  # fmt: skip
    best = matches[0].score if matches else 0.0
    verdict = "duplicate" if best >= DUPLICATE else "similar" if best >= SIMILAR else "new"
    target = umum_target(sorted(features.concepts), [record], analysis.umum)
    return CheckOut(verdict=verdict, umum_target=target.acronym if target else None, matches=matches,
                    took_ms=round((time.perf_counter() - started) * 1000, 2))  # fmt: skip


def _match(analysis: Analysis, row: int, score: float, features: Features, record: AppRecord,
           parts: dict[str, np.ndarray], n: int) -> Match:  # fmt: skip
    assert analysis.index is not None
    other, other_features = analysis.records[row], analysis.index.features[row]
    reasons = pair_reasons(features, other_features, record, other, float(parts["fuzzy"][n]))
    return Match(application=member(other), score=round(score, 3), reasons=reasons,
                 group_key=analysis.group_of_row.get(row))  # fmt: skip


def pair_reasons(a: Features, b: Features, left: AppRecord, right: AppRecord, name_ratio: float) -> list[Reason]:
    """Why two applications look alike, in words a civil servant reads."""
    reasons: list[Reason] = []
    if name_ratio >= 0.5:
        percent = str(round(name_ratio * 100))
        reasons.append(Reason(code="similar_name", values=[percent],
                              text=_("Names alike: %(percent)s of 100") % {"percent": percent}))  # fmt: skip
    words = [
        w
        for w in dict.fromkeys(a.name.split() + a.description.split())
        if w in set(b.name.split() + b.description.split())
    ]
    if words:
        reasons.append(Reason(code="shared_words", values=words[:8],
                              text=_("Shared words: %(words)s") % {"words": ", ".join(words[:8])}))  # fmt: skip
    concepts = sorted(a.concepts & b.concepts)
    if concepts:
        labels = ", ".join(_concept_label(c) for c in concepts)
        reasons.append(Reason(code="same_concept", values=concepts,
                              text=_("Same job under different names: %(jobs)s") % {"jobs": labels}))  # fmt: skip
    affairs = sorted(set(left.affairs) & set(right.affairs))
    category = left.category if left.category and left.category == right.category else None
    area = left.service_area if left.service_area and left.service_area == right.service_area else None
    return reasons + _classification_reasons(affairs, category, area)
