"""What a reader may see of a change log entry: the same rules as reading the object itself.

A history entry holds whole snapshots (create, delete) or the changed fields (update), so a field hidden
from a reader on ``GET`` must be hidden in every ``before``/``after`` of the object's history too. An entry
may name a former owner or a former service area: the strictest reading applies (a reader sees the
confidential fields only when allowed for every owner the entry and the current record name; an internal
URL stays hidden when the application was internal at any point the entry shows).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spbe.core.security import Principal
from spbe.registry.schemas.catalogue import ChangeOut
from spbe.registry.service import access

APPLICATION_CONFIDENTIAL = ("hosting", "technology")
DATASET_RESTRICTED = ("description", "reference_codes")  # hidden at the "metadata" level
DATASET_LEVELS = ("none", "metadata", "all")  # from the least to the most a reader may see


def _sides(entry: ChangeOut) -> list[dict[str, Any]]:
    return [side for side in (entry.data.get("before"), entry.data.get("after")) if isinstance(side, dict)]


def _values(entries: Iterable[ChangeOut], name: str) -> set[Any]:
    return {side[name] for entry in entries for side in _sides(entry) if name in side}


def _blank(entry: ChangeOut, names: Iterable[str]) -> ChangeOut:
    """A copy of ``entry`` with ``names`` set to ``None`` wherever a side holds them."""
    hidden = set(names)
    if not hidden:
        return entry
    data = dict(entry.data)
    for key in ("before", "after"):
        side = data.get(key)
        if isinstance(side, dict):
            data[key] = {name: (None if name in hidden else value) for name, value in side.items()}
    return entry.model_copy(update={"data": data})


def application_history(
    entries: list[ChangeOut], reader: Principal | None, owner: str | None, service_area: str | None
) -> list[ChangeOut]:
    """Hide ``hosting`` and ``technology`` (and ``url`` of internal applications) as ``GET`` does."""
    return [_application_entry(entry, reader, owner, service_area) for entry in entries]


def _application_entry(
    entry: ChangeOut, reader: Principal | None, owner: str | None, service_area: str | None
) -> ChangeOut:
    owners = {code for code in _values([entry], "agency_code") | {owner} if code}
    if owners and all(access.can_read_confidential(reader, code) for code in owners):
        return entry
    areas = _values([entry], "service_area")
    if service_area is not None or owner is not None:
        areas.add(service_area)
    internal = any(area != "publik" for area in areas) or not areas
    return _blank(entry, APPLICATION_CONFIDENTIAL + (("url",) if internal else ()))


def dataset_level(reader: Principal | None, owner: str, classifications: Iterable[str]) -> str:
    """The least a reader may see over every classification the data set has (had)."""
    levels = [access.can_read_dataset(reader, owner, c or "terbuka") for c in classifications] or ["all"]
    return min(levels, key=DATASET_LEVELS.index)


def dataset_history(entries: list[ChangeOut], reader: Principal | None, owner: str, current: str) -> list[ChangeOut]:
    """Hide a restricted data set's description and reference codes in every entry (metadata level).

    Called only when the reader may see the data set at all; a class it had in the past (``rahasia``
    before it was opened, say) still hides those fields of the entries.
    """
    level = dataset_level(reader, owner, {current} | {str(c) for c in _values(entries, "classification") if c})
    if level == "all":
        return entries
    return [_blank(entry, DATASET_RESTRICTED) for entry in entries]
