"""Mission-specific applications (aplikasi khusus misi tertentu) of central agencies, and local topics.

Central agencies run mostly applications for their own mission (KKP registers fishing vessels, BMKG
publishes earthquake warnings); each sector lists the objects those applications are about, and each
object belongs to one agency only. Regional governments run, besides the common families, applications
on local topics; a topic picked by several regions is a small duplicate group of its own.
"""

from __future__ import annotations

from typing import Any

from spbe.registry.demo import jsondata

# sector → (affair, service area, objects); each object is "words|description of what the app does"
_DATA: dict[str, Any] = jsondata.load("missions.json")

# Sector → (affair, service area, objects "Name|what the application does"); edit data/missions.json.
SECTORS: dict[str, tuple[str, str, tuple[str, ...]]] = _DATA["SECTORS"]
AGENCY_SECTORS: dict[str, tuple[str, ...]] = _DATA["AGENCY_SECTORS"]
SUBPROCESSES: tuple[str, ...] = _DATA["SUBPROCESSES"]
ACTIONS: tuple[str, ...] = _DATA["ACTIONS"]
ACTION_VERBS: tuple[str, ...] = _DATA["ACTION_VERBS"]
LOCAL_TOPICS: tuple[str, ...] = _DATA["LOCAL_TOPICS"]
