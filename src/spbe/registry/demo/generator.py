"""A realistic national inventory of government applications, deterministic by seed.

``generate(count=27_400, seed=1)`` spreads ``count`` applications over the 656 agencies (ministries dozens
to hundreds, provinces ~60–100, regencies and cities ~20–45), drawing the common functions every agency
rebuilds from ``families``, the central agencies' mission applications and the regions' local topics from
``missions``, with the variation real inventories have (acronyms, typos, region names appended, English
names, missing descriptions). The rows carry exactly the registry's import columns; the ground truth —
which applications do the same job in different agencies — is kept apart in ``labels``.
"""

from __future__ import annotations

import csv
import json
import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from spbe.core.wilayah.loader import DATA_DIR as WILAYAH_DIR
from spbe.registry.demo.families import AGENCY_UNITS_CENTRAL, FAMILIES, Family
from spbe.registry.demo.missions import ACTION_VERBS, ACTIONS, AGENCY_SECTORS, LOCAL_TOPICS, SECTORS, SUBPROCESSES
from spbe.registry.service.applications import COLUMNS

IMPORT_COLUMNS = tuple(COLUMNS)  # exactly the import format of the catalogue
CENTRAL_FILE = Path(__file__).resolve().parents[1] / "data" / "central_agencies.csv"
NATIONAL_COUNT = 27_400
MIN_MISSIONS = 2
MEAN_COUNT = {"kementerian": 110, "lpnk": 55, "lembaga": 38, "provinsi": 80, "kabupaten": 30, "kota": 32}
STATUSES = (("production", 70), ("retired", 14), ("development", 11), ("planned", 5))
STACKS = (
    ("PHP 7.4, CodeIgniter 3, MySQL", 22),
    ("PHP 8.2, Laravel 10, MySQL", 24),
    ("PHP 8.1, Laravel 9, PostgreSQL", 8),
    ("Java 17, Spring Boot, PostgreSQL", 9),
    ("Java 8, Struts, Oracle", 4),
    (".NET Framework 4.8, SQL Server", 5),
    (".NET 6, SQL Server", 3),
    ("Python 3, Django, PostgreSQL", 6),
    ("Python 3, Flask, MySQL", 2),
    ("Node.js, Express, MongoDB", 4),
    ("WordPress, MySQL", 6),
    ("Flutter, Firebase", 3),
    ("Kotlin (Android), Laravel API", 2),
    ("Go, PostgreSQL", 1),
    ("PHP 5.6, native, MySQL", 5),
)
FITS = ((1, 10), (2, 30), (3, 40), (4, 20))
LOCAL_STYLES = (
    "Sistem Informasi",
    "Aplikasi",
    "e-",
    "Sistem Informasi Manajemen",
    "Portal",
    "Monitoring",
    "Layanan Online",
    "Data",
)


@dataclass(frozen=True)
class AgencyRef:
    """An agency as the generator needs it: code, kind, names for text and the internet domain."""

    code: str
    kind: str
    name: str
    short_name: str
    place: str  # "Garut", "Jawa Barat", or the agency's short name for central agencies
    domain: str

    @property
    def group(self) -> str:
        return {"provinsi": "provinsi", "kabupaten": "kabkota", "kota": "kabkota"}.get(self.kind, "central")

    @property
    def region_label(self) -> str:
        """How the region is written in text: "Kabupaten Garut", "Kota Bandung", "Provinsi Jawa Barat"."""
        prefix = {"provinsi": "Provinsi", "kabupaten": "Kabupaten", "kota": "Kota"}.get(self.kind, "")
        return f"{prefix} {self.place}".strip()


@dataclass
class DemoInventory:
    """The generated rows (import columns), their ground-truth function keys and integrations."""

    rows: list[dict[str, str]]
    keys: dict[str, str]  # application code → function key (family, local topic or agency mission)
    integrations: list[tuple[str, str]] = field(default_factory=list)

    @property
    def labels(self) -> dict[str, str | None]:
        """Application code → duplicate group (a function key used by ≥ 2 agencies), or None."""
        agencies_of: dict[str, set[str]] = defaultdict(set)
        agency = {row["code"]: row["agency_code"] for row in self.rows}
        for code, key in self.keys.items():
            agencies_of[key].add(agency[code])
        return {code: key if len(agencies_of[key]) > 1 else None for code, key in self.keys.items()}


def load_agencies(wilayah_dir: Path = WILAYAH_DIR, central_file: Path = CENTRAL_FILE) -> list[AgencyRef]:
    """The 104 central agencies and 552 regional governments, as seeded by the registry."""
    agencies = [_central(row) for row in _csv_rows(central_file)]
    agencies += [_province(row) for row in _csv_rows(wilayah_dir / "provinces.csv")]
    agencies += [_regency(row) for row in _csv_rows(wilayah_dir / "regencies.csv")]
    return agencies


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _central(row: dict[str, str]) -> AgencyRef:
    short = row["short_name"] or row["code"]
    return AgencyRef(row["code"], row["kind"], row["name"], short, short, f"{_slug(short)}.go.id")


def _province(row: dict[str, str]) -> AgencyRef:
    place = row["name"].title() if row["name"].isupper() else row["name"]
    return AgencyRef(f"PROV-{row['code']}", "provinsi", f"Pemerintah Provinsi {place}", f"Pemprov {place}", place,
                     f"{_slug(place)}prov.go.id")  # fmt: skip


def _regency(row: dict[str, str]) -> AgencyRef:
    kind_word, place = row["name"].split(" ", 1)
    kind = "kota" if kind_word.lower() == "kota" else "kabupaten"
    prefix, short, suffix = ("KOTA", "Pemkot", "kota") if kind == "kota" else ("KAB", "Pemkab", "kab")
    return AgencyRef(f"{prefix}-{row['code']}", kind, f"Pemerintah {row['name']}", f"{short} {place}", place,
                     f"{_slug(place)}{suffix}.go.id")  # fmt: skip


def generate(count: int = NATIONAL_COUNT, seed: int = 1, agencies: list[AgencyRef] | None = None) -> DemoInventory:
    """``count`` applications over all agencies; the same ``count`` and ``seed`` give the same rows."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    agencies = sorted(agencies or load_agencies(), key=lambda a: a.code)
    if count < len(agencies):
        raise ValueError(f"count must be at least the number of agencies ({len(agencies)})")
    quotas = _quotas(agencies, count, rng)
    owners = _mission_owners(agencies, rng)
    topic_weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(LOCAL_TOPICS))]
    topics = rng.sample(LOCAL_TOPICS, len(LOCAL_TOPICS))  # popularity order differs by seed
    inventory = DemoInventory(rows=[], keys={})
    scale = count / NATIONAL_COUNT
    for agency in agencies:
        builder = _AgencyBuilder(agency, rng, inventory)
        builder.add_families(quotas[agency.code], min(1.0, 0.6 + 0.4 * scale))
        builder.fill(quotas[agency.code], owners.get(agency.code, []), topics, topic_weights)
        builder.integrate()
    return inventory


def _quotas(agencies: list[AgencyRef], count: int, rng: random.Random) -> dict[str, int]:
    """Applications per agency: log-normal around the type's mean, scaled to sum exactly to ``count``."""
    raw = {a.code: MEAN_COUNT[a.kind] * math.exp(rng.gauss(0, 0.35 if a.group != "central" else 0.6)) for a in agencies}
    floor = max(1, min(3, count // len(agencies)))  # tiny inventories still give every agency one
    factor = count / sum(raw.values())
    quotas = {code: max(floor, int(value * factor)) for code, value in raw.items()}
    codes = sorted(raw, key=lambda code: raw[code] * factor - int(raw[code] * factor), reverse=True)
    index = 0
    while (missing := count - sum(quotas.values())) != 0:
        code = codes[index % len(codes)]
        if missing > 0 or quotas[code] > floor:
            quotas[code] += 1 if missing > 0 else -1
        index += 1
    return quotas


def _mission_owners(agencies: list[AgencyRef], rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """Each sector's objects dealt out to the central agencies of that sector: (sector, object) per agency."""
    members: dict[str, list[str]] = defaultdict(list)
    for agency in agencies:
        for sector in AGENCY_SECTORS.get(agency.code, ()):
            members[sector].append(agency.code)
    owners: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for sector, codes in sorted(members.items()):
        objects = list(SECTORS[sector][2])
        rng.shuffle(objects)
        per_agency = max(MIN_MISSIONS, len(objects) // len(codes))
        for index, code in enumerate(codes):  # a crowded sector shares objects: those are duplicates too
            owners[code] += [(sector, objects[(index * per_agency + k) % len(objects)]) for k in range(per_agency)]
    return owners


def _weighted(rng: random.Random, choices: Iterable[tuple[object, int]]) -> object:
    items = list(choices)
    return rng.choices([item for item, _ in items], weights=[weight for _, weight in items])[0]


class _AgencyBuilder:
    """Adds one agency's applications to the inventory."""

    def __init__(self, agency: AgencyRef, rng: random.Random, inventory: DemoInventory) -> None:
        self.agency, self.rng, self.inventory = agency, rng, inventory
        self.codes: list[str] = []
        self.used_subdomains: set[str] = set()

    def add_families(self, quota: int, presence: float) -> None:
        families = [f for f in FAMILIES if self.rng.random() < f.share.get(self.agency.group, 0.0) * presence]
        self.rng.shuffle(families)
        for family in families[: max(1, int(quota * 0.75))]:
            self._add(self._family_row(family), family.key)

    def fill(self, quota: int, missions: list[tuple[str, str]], topics: tuple[str, ...] | list[str],
             weights: list[float]) -> None:  # fmt: skip
        rng = self.rng
        # local topics in a weighted order without repeats (Efraimidis–Spirakis keys u ** (1 / w))
        ordered = sorted(zip(topics, weights, strict=True), key=lambda tw: rng.random() ** (1 / tw[1]), reverse=True)
        position = 0
        while len(self.codes) < quota:
            if self.agency.group == "central" and missions:
                sector, obj = missions[rng.randrange(len(missions))]
                self._add(self._mission_row(sector, obj), f"mission:{obj.split('|')[0]}")
            else:
                topic = ordered[position % len(ordered)][0]
                position += 1
                self._add(self._topic_row(topic), f"topic:{topic.split('|')[0]}")

    def integrate(self) -> None:
        """Some applications exchange data with others of the same agency (0 for most, a few for hubs)."""
        for code in self.codes:
            links = min(int(self.rng.expovariate(0.9)), len(self.codes) - 1)
            for target in self.rng.sample(self.codes, links):
                if target != code:
                    self.inventory.integrations.append((code, target))

    def _add(self, row: dict[str, str], key: str) -> None:
        code = f"APL-{self.agency.code}-{len(self.codes) + 1:04d}"
        row = {"code": code, "agency_code": self.agency.code, "kind": "khusus", "wali_agency_code": "", **row}
        row |= self._common_fields(row)
        self.inventory.rows.append({column: row.get(column, "") for column in IMPORT_COLUMNS})
        self.inventory.keys[code] = key
        self.codes.append(code)

    # -- text ------------------------------------------------------------------------------------------

    def _family_row(self, family: Family) -> dict[str, str]:
        rng = self.rng
        weights = [1.0 / (rank + 1) for rank in range(len(family.names))]
        name, acronym = rng.choices(family.names, weights=weights)[0]
        unit = rng.choice(family.unit if self.agency.group != "central" else AGENCY_UNITS_CENTRAL)
        description = rng.choice(family.descriptions)
        affairs = list(family.affairs)
        users = int(math.exp(rng.uniform(math.log(family.users[0]), math.log(family.users[1]))))
        return {
            **self._names(name, acronym),
            "description": self._description(description, unit),
            "category": family.category if rng.random() > 0.08 else rng.choice(("RAA.2.1", "RAA.2.2")),
            "affairs": self._affairs(affairs),
            "service_area": family.service_area if rng.random() > 0.05 else "publik",
            "users": str(users),
        }

    def _mission_row(self, sector: str, obj: str) -> dict[str, str]:
        rng = self.rng
        affair, area, _ = SECTORS[sector]
        words, what = obj.split("|")
        style, sub = rng.choice(ACTIONS), rng.choice(SUBPROCESSES)
        name = f"{style}{'' if style.endswith('-') else ' '}{sub + ' ' if sub else ''}{words}"
        if rng.random() < 0.3:
            name += rng.choice((" Terpadu", " Nasional", " Online", " Terintegrasi", " Versi 2", ""))
        acronym = _acronym(style, words) if rng.random() < 0.6 else ""
        verb = rng.choice(ACTION_VERBS)
        description = f"Aplikasi {verb} {what} di lingkungan {{org}}."
        if rng.random() < 0.4:
            description += rng.choice(
                (
                    " Digunakan oleh unit teknis dan mitra di daerah.",
                    " Terhubung dengan layanan SPLP dan Satu Data Indonesia.",
                    " Diakses oleh masyarakat dan pelaku usaha melalui web dan aplikasi mobile.",
                )
            )
        return {
            **self._names(name, acronym),
            "description": self._description(description, ""),
            "category": "RAA.2.1",
            "affairs": self._affairs([affair]),
            "service_area": area,
            "users": str(int(math.exp(rng.uniform(math.log(20), math.log(200_000))))),
        }

    def _topic_row(self, topic: str) -> dict[str, str]:
        rng = self.rng
        words, what = topic.split("|")
        style = rng.choice(LOCAL_STYLES)
        name = f"{style}{'' if style.endswith('-') else ' '}{words}"
        acronym = _acronym(style, words) if rng.random() < 0.5 else ""
        verb = rng.choice(("Aplikasi untuk", "Sistem", "Layanan", "Sarana", "Pengelolaan data dan"))
        description = f"{verb} {what} di {{region}}."
        return {
            **self._names(name, acronym),
            "description": self._description(description, ""),
            "category": rng.choice(("RAA.2.1", "RAA.2.1", "RAA.2.2")),
            "affairs": self._affairs([rng.choice(("09.01", "03.01", "04.02", "02.04", "07.01", "08.01"))]),
            "service_area": rng.choice(("publik", "publik", "administrasi")),
            "users": str(int(math.exp(rng.uniform(math.log(10), math.log(20_000))))),
        }

    def _names(self, name: str, acronym: str) -> dict[str, str]:
        """Name and acronym as people write them: region appended, acronym in brackets, odd casing, typos."""
        rng, _agency = self.rng, self.agency
        roll = rng.random()
        if acronym and acronym != name and roll < 0.15:
            name = f"{name} ({acronym})"
        elif acronym and acronym != name and roll < 0.25:
            name = acronym
        if rng.random() < 0.35:
            name = f"{name} {self._place_suffix()}"
        if name.startswith("e-") and rng.random() < 0.3:
            name = rng.choice(("E-", "e", "E ")) + name[2:]
        if rng.random() < 0.06:
            name = _typo(name, rng)
        if rng.random() < 0.05:
            name = name.upper()
        return {"name": name[:200], "acronym": acronym if rng.random() < 0.85 else ""}

    def _place_suffix(self) -> str:
        agency = self.agency
        if agency.group == "central":
            return agency.short_name
        short = {"provinsi": "Prov.", "kabupaten": "Kab.", "kota": "Kota"}[agency.kind]
        return self.rng.choice((agency.region_label, f"{short} {agency.place}", agency.place))

    def _description(self, template: str, unit: str) -> str:
        rng, agency = self.rng, self.agency
        if rng.random() < 0.08:
            return ""
        org = agency.short_name if rng.random() < 0.5 else agency.name
        text = template.format(unit=unit or org, org=org, region=agency.region_label or agency.short_name)
        if rng.random() < 0.25:
            text = (
                rng.choice(("Aplikasi ini digunakan untuk ", "Merupakan aplikasi ", "Fungsi: "))
                + text[0].lower()
                + text[1:]
            )
        return text

    def _affairs(self, affairs: list[str]) -> str:
        rng = self.rng
        if rng.random() < 0.06:
            return ""
        if rng.random() < 0.1:
            affairs = [*affairs, rng.choice(("09.03", "09.04", "09.06", "09.01"))]
        return ";".join(dict.fromkeys(affairs))

    def _common_fields(self, row: dict[str, str]) -> dict[str, str]:
        rng = self.rng
        return {
            "status": str(_weighted(rng, STATUSES)),
            "technology": str(_weighted(rng, STACKS)) if rng.random() > 0.1 else "",
            "url": self._url(row["acronym"] or row["name"]) if rng.random() > 0.15 else "",
            "functional_fit": str(_weighted(rng, FITS)),
            "technical_fit": str(_weighted(rng, FITS)),
            "hosting": "",
            "datasets": "",
        }

    def _url(self, label: str) -> str:
        base = _slug(label.split("(")[0])[:16] or "app"
        sub, number = base, 1
        while sub in self.used_subdomains:
            number += 1
            sub = f"{base}{number}"
        self.used_subdomains.add(sub)
        return f"https://{sub}.{self.agency.domain}"


def _acronym(style: str, words: str) -> str:
    head = {"Sistem Informasi": "SI", "Sistem Informasi Manajemen": "SIM", "e-": "E", "Aplikasi": "A"}.get(style, "SI")
    parts = [w for w in re.findall(r"[A-Za-z]+", words) if w.lower() not in {"dan", "di", "untuk", "yang"}]
    return (head + "".join(p[:3] for p in parts[:2])).upper()


def _typo(name: str, rng: random.Random) -> str:
    words = name.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha()]
    if not long_words:
        return name
    i = rng.choice(long_words)
    word, j = words[i], rng.randrange(1, len(words[i]) - 2)
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :] if rng.random() < 0.5 else word[:j] + word[j + 1 :]
    return " ".join(words)


def write_csv(inventory: DemoInventory, path: Path) -> None:
    """The import file: exactly ``IMPORT_COLUMNS``, UTF-8."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=IMPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(inventory.rows)


def write_labels(inventory: DemoInventory, path: Path) -> None:
    """The ground truth, kept apart from the import file: code → duplicate group (or null)."""
    path.write_text(json.dumps(inventory.labels, ensure_ascii=False, indent=0, sort_keys=True), encoding="utf-8")


def summary(inventory: DemoInventory) -> dict[str, int]:
    labels = inventory.labels
    groups = Counter(label for label in labels.values() if label)
    return {"applications": len(inventory.rows), "in_duplicate_groups": sum(groups.values()), "groups": len(groups),
            "integrations": len(inventory.integrations)}  # fmt: skip
