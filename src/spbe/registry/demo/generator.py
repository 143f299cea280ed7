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
from spbe.registry.demo import catalogue as demo_catalogue
from spbe.registry.demo.families import AGENCY_UNITS_CENTRAL, FAMILIES, Family
from spbe.registry.demo.missions import (
    ACTION_VERBS,
    ACTIONS,
    LOCAL_TOPICS,
    MISSIONS_OF,
    SECTORS,
    SUBPROCESSES,
    TOPICS_NOT_IN_KOTA,
    TOPICS_OF_JAKARTA_CITIES,
)
from spbe.registry.service.applications import COLUMNS

IMPORT_COLUMNS = tuple(COLUMNS)  # exactly the import format of the catalogue
CENTRAL_FILE = Path(__file__).resolve().parents[1] / "data" / "central_agencies.csv"
UMUM_FILE = Path(__file__).resolve().parents[1] / "data" / "aplikasi_umum.csv"
NATIONAL_COUNT = 27_400
MEAN_COUNT = {"kementerian": 80, "lpnk": 45, "lembaga": 30, "provinsi": 80, "kabupaten": 30, "kota": 32}
ADMINISTRATIVE_COUNT = 7  # Jakarta's Kota/Kabupaten Administrasi: not autonomous, a handful of local apps
SUBFUNCTIONS_PER_MISSION = 6  # besides the mission's main application: reporting, database, monitoring …
NEAR_COPIES_PER_MISSION = 1  # one extra near-copy of a mission application inside the same agency
# Families a region of this kind never runs on its own (a city has kelurahan, not desa; DKI has no farms)
FAMILIES_NOT_IN = {"kota": {"desa"}, "PROV-31": {"desa", "pertanian"}}
# Regional jobs a central agency does not run itself (it uses SAKTI/KRISNA, has no job fair or hospital)
FAMILIES_NOT_CENTRAL = {"anggaran", "perencanaan", "aset", "perizinan", "rsud", "bansos", "umkm", "harga-pangan",
                        "pariwisata", "cctv", "kebencanaan", "tenaga-kerja"}  # fmt: skip
FAMILIES_OF_ADMINISTRATIVE = {"website", "ruang-rapat", "cctv"}
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
    administrative: bool = False  # DKI Jakarta's Kota/Kabupaten Administrasi (no autonomy, no own budget)

    @property
    def group(self) -> str:
        return {"provinsi": "provinsi", "kabupaten": "kabkota", "kota": "kabkota"}.get(self.kind, "central")

    @property
    def region_label(self) -> str:
        """How the region is written in text: "Kabupaten Garut", "Kota Bandung", "Provinsi Jawa Barat"."""
        prefix = {"provinsi": "Provinsi", "kabupaten": "Kabupaten", "kota": "Kota"}.get(self.kind, "")
        if self.administrative:
            prefix += " Administrasi"
        return f"{prefix} {self.place}".strip()


@dataclass
class DemoInventory:
    """The generated rows (import columns), their ground-truth function keys and integrations."""

    rows: list[dict[str, str]]
    keys: dict[str, str]  # application code → function key (family, local topic or agency mission)
    integrations: list[tuple[str, str]] = field(default_factory=list)
    catalogue: demo_catalogue.DemoCatalogue = field(default_factory=demo_catalogue.DemoCatalogue)

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
    if place.startswith("Administrasi "):  # DKI Jakarta: Kota Administrasi Jakarta Pusat, Kab. Adm. Kep. Seribu
        place = place.removeprefix("Administrasi ")
        return AgencyRef(f"{prefix}-{row['code']}", kind, f"Pemerintah {row['name']}", f"{short} Adm. {place}",
                         place, f"{_slug(place)}.jakarta.go.id", administrative=True)  # fmt: skip
    return AgencyRef(f"{prefix}-{row['code']}", kind, f"Pemerintah {row['name']}", f"{short} {place}", place,
                     f"{_slug(place)}{suffix}.go.id")  # fmt: skip


def generate(count: int = NATIONAL_COUNT, seed: int = 1, agencies: list[AgencyRef] | None = None) -> DemoInventory:
    """``count`` applications over all agencies; the same ``count`` and ``seed`` give the same rows."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    agencies = sorted(agencies or load_agencies(), key=lambda a: a.code)
    if count < len(agencies):
        raise ValueError(f"count must be at least the number of agencies ({len(agencies)})")
    quotas = _quotas(agencies, count, rng)
    topic_weights = [1.0 / (rank + 1) ** 1.1 for rank in range(len(LOCAL_TOPICS))]
    topics = rng.sample(LOCAL_TOPICS, len(LOCAL_TOPICS))  # popularity order differs by seed
    inventory = DemoInventory(rows=[], keys={})
    presence = min(1.0, 0.6 + 0.4 * (count / NATIONAL_COUNT))
    central = [a for a in agencies if a.group == "central"]
    regional = [a for a in agencies if a.group != "central"]
    shortfall = 0
    for agency in central:  # a central agency has as many applications as its missions allow
        builder = _AgencyBuilder(agency, rng, inventory)
        builder.add_families(quotas[agency.code], presence)
        builder.fill(quotas[agency.code], list(MISSIONS_OF.get(agency.code, ())), topics, topic_weights)
        builder.integrate()
        shortfall += quotas[agency.code] - len(builder.codes)
    autonomous = [a for a in regional if not a.administrative]
    for index in range(shortfall):  # what the central agencies could not fill goes to the regions
        quotas[autonomous[index % len(autonomous)].code] += 1
    for agency in regional:
        builder = _AgencyBuilder(agency, rng, inventory)
        builder.add_families(quotas[agency.code], presence)
        builder.fill(quotas[agency.code], [], topics, topic_weights)
        builder.integrate()
    inventory.catalogue = demo_catalogue.attach(inventory, agencies, seed)  # hosting, data sets, services
    return inventory


def _quotas(agencies: list[AgencyRef], count: int, rng: random.Random) -> dict[str, int]:
    """Applications per agency: log-normal around the type's mean, scaled to sum exactly to ``count``."""
    raw = {a.code: MEAN_COUNT[a.kind] * math.exp(rng.gauss(0, 0.35 if a.group != "central" else 0.5)) for a in agencies}
    floor = max(1, min(3, count // len(agencies)))  # tiny inventories still give every agency one
    fixed = {a.code: max(floor, min(ADMINISTRATIVE_COUNT, count // len(agencies))) for a in agencies
             if a.administrative}  # fmt: skip
    factor = (count - sum(fixed.values())) / sum(v for code, v in raw.items() if code not in fixed)
    quotas = {code: fixed.get(code, max(floor, int(value * factor))) for code, value in raw.items()}
    codes = sorted(raw, key=lambda code: raw[code] * factor - int(raw[code] * factor), reverse=True)
    index = 0
    while (missing := count - sum(quotas.values())) != 0:
        code = codes[index % len(codes)]
        if code not in fixed and (missing > 0 or quotas[code] > floor):
            quotas[code] += 1 if missing > 0 else -1
        index += 1
    return quotas


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
        families = [f for f in FAMILIES if self.rng.random() < f.share.get(self.agency.group, 0.0) * presence
                    and self._runs(f.key)]  # fmt: skip
        self.rng.shuffle(families)
        for family in families[: max(1, int(quota * 0.75))]:
            self._add(self._family_row(family), family.key)

    def _runs(self, family: str) -> bool:
        """Whether a region of this kind has its own application for ``family`` at all."""
        agency = self.agency
        if agency.administrative:
            return family in FAMILIES_OF_ADMINISTRATIVE
        if agency.group == "central":
            return family not in FAMILIES_NOT_CENTRAL
        return family not in FAMILIES_NOT_IN.get(agency.kind, set()) | FAMILIES_NOT_IN.get(agency.code, set())

    def _topic_fits(self, topic: str) -> bool:
        words = topic.split("|")[0]
        if self.agency.administrative:
            return words in TOPICS_OF_JAKARTA_CITIES
        return not (self.agency.kind == "kota" and words in TOPICS_NOT_IN_KOTA)

    def fill(self, quota: int, missions: list[tuple[str, str]], topics: tuple[str, ...] | list[str],
             weights: list[float]) -> None:  # fmt: skip
        """Up to ``quota``: a central agency's mission slots (it stops when they run out), else local topics."""
        rng = self.rng
        if self.agency.group == "central":
            for sector, obj, sub in self._mission_slots(missions)[: max(0, quota - len(self.codes))]:
                self._add(self._mission_row(sector, obj, sub), f"mission:{obj.split('|')[0]}")
            return
        # local topics in a weighted order without repeats (Efraimidis–Spirakis keys u ** (1 / w))
        fitting = [(t, w) for t, w in zip(topics, weights, strict=True) if self._topic_fits(t)]
        ordered = sorted(fitting, key=lambda tw: rng.random() ** (1 / tw[1]), reverse=True)
        position = 0
        while len(self.codes) < quota:
            topic = ordered[position % len(ordered)][0]
            position += 1
            self._add(self._topic_row(topic), f"topic:{topic.split('|')[0]}")

    def _mission_slots(self, missions: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
        """Each mission: its main application, a few sub-functions and at most one near-copy, shuffled."""
        rng = self.rng
        slots: list[tuple[str, str, str]] = []
        for sector, obj in missions:
            subs = ["", *rng.sample(SUBPROCESSES, SUBFUNCTIONS_PER_MISSION)]
            slots += [(sector, obj, sub) for sub in subs]
            slots += [(sector, obj, rng.choice(subs)) for _ in range(NEAR_COPIES_PER_MISSION)]
        rng.shuffle(slots)
        return slots

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
        names = family.names
        if self.agency.group == "central":  # a ministry's staffing app is not "… Pegawai Daerah"
            names = tuple(n for n in names if "daerah" not in n[0].lower() and "DA" not in n[1][-2:]) or names
        weights = [1.0 / (rank + 1) for rank in range(len(names))]
        name, acronym = rng.choices(names, weights=weights)[0]
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

    def _mission_row(self, sector: str, obj: str, sub: str) -> dict[str, str]:
        rng = self.rng
        affair, area, _ = SECTORS[sector]
        words, what = obj.split("|")
        styles = [s for s in ACTIONS if not set(s.lower().split()) & set(sub.lower().split())]
        style = rng.choice(styles)  # never "Monitoring Monitoring …" nor "Pangkalan Data Basis Data …"
        name = f"{style}{'' if style.endswith('-') else ' '}{sub + ' ' if sub else ''}{words}"
        if rng.random() < 0.3:
            name += rng.choice((" Terpadu", " Nasional", " Online", " Terintegrasi", " Versi 2", ""))
        acronym = _acronym(style, words) if rng.random() < 0.6 else ""
        verb = rng.choice(ACTION_VERBS)
        what = f"{SUB_WHAT[sub]} {what}" if sub else what
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
        verb = rng.choice(("Aplikasi untuk", "Sistem", "Layanan", "Sarana", "Aplikasi"))
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
        name = _dedupe_words(name)
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
        if agency.kind == "provinsi":  # provinces run upper-secondary schools, regencies and cities the rest
            text = text.replace("SD/SMP", "SMA/SMK/SLB")
        if rng.random() < 0.25:
            rest = re.sub(r"^(Aplikasi|Sistem|Layanan|Sarana)( untuk)? ", "", text)
            text = (
                rng.choice(("Aplikasi ini digunakan untuk ", "Merupakan aplikasi ", "Fungsi: "))
                + rest[0].lower()
                + rest[1:]
            )
        return _dedupe_words(text)

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


SUB_WHAT = {
    "Pelaporan": "pelaporan",
    "Basis Data": "basis data",
    "Monitoring": "pemantauan",
    "Evaluasi": "evaluasi",
    "Arsip Digital": "arsip digital",
    "Rekapitulasi": "rekapitulasi",
    "Verifikasi": "verifikasi",
    "Statistik": "statistik",
}


def umum_acronyms(path: Path = UMUM_FILE) -> frozenset[str]:
    """The Aplikasi Umum acronyms, normalised ("SP4N-LAPOR!" → "sp4n"): no generated acronym may take one."""
    return frozenset(_acronym_head(row["acronym"]) for row in _csv_rows(path) if row["acronym"])


def _acronym_head(acronym: str) -> str:
    """The first token of an acronym, lower case: "SIPD-Surat" → "sipd", "e-PPID" → "eppid"."""
    compact = re.sub(r"^e-", "e", acronym.strip().lower())
    return re.split(r"[^a-z0-9]", compact)[0]


def _acronym(style: str, words: str) -> str:
    head = {"Sistem Informasi": "SI", "Sistem Informasi Manajemen": "SIM", "e-": "E", "Aplikasi": "A"}.get(style, "SI")
    parts = [w for w in re.findall(r"[A-Za-z]+", words) if w.lower() not in {"dan", "di", "untuk", "yang"}]
    acronym = (head + "".join(p[:3] for p in parts[:2])).upper()
    return "" if _acronym_head(acronym) in UMUM_ACRONYMS else acronym


def _dedupe_words(text: str) -> str:
    """ "Merupakan aplikasi aplikasi …" → "Merupakan aplikasi …" (a word never repeats right after itself)."""
    return re.sub(r"\b(\w+)(\s+\1\b)+", r"\1", text, flags=re.IGNORECASE)


UMUM_ACRONYMS = umum_acronyms()


NO_TYPO = {"Daerah"}  # "Daerah" → "Darah" (blood) is a real word, not a typo anyone would keep


def _typo(name: str, rng: random.Random) -> str:
    words = name.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha() and w not in NO_TYPO]
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
