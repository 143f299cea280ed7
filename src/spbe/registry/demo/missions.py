"""Mission-specific applications (aplikasi khusus misi tertentu) of central agencies, and local topics.

Central agencies run mostly applications for their own mission (KKP registers fishing vessels, BMKG
publishes earthquake warnings). Each sector lists its objects as ``"words|what the application does|OWNERS"``
where OWNERS are the ``;``-joined codes of ``data/central_agencies.csv`` that really do that job (an object
with two owners — Kemhan and TNI on alutsista — is a true cross-agency duplicate). Regional governments run,
besides the common families, applications on local topics; a topic picked by several regions is a small
duplicate group of its own.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from spbe.registry.demo import jsondata

_DATA: dict[str, Any] = jsondata.load("missions.json")

# Sector → (affair, service area, objects "Name|what the application does|OWNER;OWNER"); edit data/missions.json.
SECTORS: dict[str, tuple[str, str, tuple[str, ...]]] = _DATA["SECTORS"]
SUBPROCESSES: tuple[str, ...] = _DATA["SUBPROCESSES"]
ACTIONS: tuple[str, ...] = _DATA["ACTIONS"]
ACTION_VERBS: tuple[str, ...] = _DATA["ACTION_VERBS"]
LOCAL_TOPICS: tuple[str, ...] = _DATA["LOCAL_TOPICS"]
TOPICS_NOT_IN_KOTA: frozenset[str] = frozenset(_DATA["TOPICS_NOT_IN_KOTA"])  # desa/rural topics
TOPICS_OF_JAKARTA_CITIES: frozenset[str] = frozenset(_DATA["TOPICS_OF_JAKARTA_CITIES"])


def _owned() -> dict[str, tuple[tuple[str, str], ...]]:
    owned: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sector, (_affair, _area, objects) in SECTORS.items():
        for obj in objects:
            words, what, owners = obj.split("|")
            for code in owners.split(";"):
                owned[code].append((sector, f"{words}|{what}"))
    return {code: tuple(items) for code, items in owned.items()}


# Central agency code → its missions (sector, "words|what"), in file order.
MISSIONS_OF: dict[str, tuple[tuple[str, str], ...]] = _owned()
