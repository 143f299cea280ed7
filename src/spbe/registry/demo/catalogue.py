"""The demo's services (layanan), data sets and infrastructure, and how the applications use them.

For each agency, deterministically (own random stream, so the application rows do not shift):

- **infrastructure** — a regional government or a large central agency runs its own data centre or is a
  tenant of the Pusat Data Nasional; every autonomous agency has its link to the Jaringan Intra Pemerintah,
  some a government cloud platform. Jakarta's administrative cities use the province's data centre.
- **data sets** (Satu Data Indonesia metadata) — the sectoral data the agency is walidata of: regional
  statistics for regions, one per mission for central agencies, plus staff data (``terbatas``).
- **services** — the public and administrative services the agency delivers, each linked to the
  applications that deliver it (a staffing service to the SIMPEG, a mission service to its applications).

Applications get their ``hosting`` and ``datasets`` columns from here, so the import links them.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spbe.registry.demo.missions import MISSIONS_OF, SECTORS

if TYPE_CHECKING:  # pragma: no cover
    from spbe.registry.demo.generator import AgencyRef, DemoInventory

FORMATS = (("csv", 5), ("xlsx", 3), ("json", 2), ("api", 2))
# Regional sectoral data: (key, name, walidata unit, RAD code, frequency, classification, families using it)
REGIONAL_DATASETS = (
    (
        "penduduk",
        "Jumlah Penduduk menurut Kecamatan dan Jenis Kelamin",
        "Disdukcapil",
        "RAD.03",
        "semesteran",
        "terbuka",
        ("adminduk",),
    ),
    (
        "sekolah",
        "Jumlah Sekolah, Guru dan Murid menurut Jenjang",
        "Dinas Pendidikan",
        "RAD.06",
        "tahunan",
        "terbuka",
        ("ppdb", "elearning"),
    ),
    (
        "faskes",
        "Jumlah Fasilitas Pelayanan Kesehatan",
        "Dinas Kesehatan",
        "RAD.04",
        "tahunan",
        "terbuka",
        ("puskesmas", "rsud", "stunting"),
    ),
    (
        "pad",
        "Realisasi Pendapatan Asli Daerah",
        "Bapenda",
        "RAD.09",
        "bulanan",
        "terbuka",
        ("pajak-daerah", "retribusi", "pkb-samsat"),
    ),
    (
        "apbd",
        "Ringkasan APBD dan Realisasi Belanja",
        "BPKAD",
        "RAD.09",
        "triwulanan",
        "terbuka",
        ("anggaran", "perencanaan"),
    ),
    ("jalan", "Panjang Jalan menurut Kondisi", "Dinas PUPR", "RAD.03", "tahunan", "terbuka", ("pbg",)),
    (
        "umkm",
        "Jumlah UMKM menurut Sektor Usaha",
        "Dinas Koperasi dan UKM",
        "RAD.02",
        "tahunan",
        "terbuka",
        ("umkm", "perizinan"),
    ),
    ("wisata", "Jumlah Kunjungan Wisatawan", "Dinas Pariwisata", "RAD.02", "bulanan", "terbuka", ("pariwisata",)),
    (
        "harga",
        "Harga Rata-rata Bahan Pokok di Pasar",
        "Dinas Perdagangan",
        "RAD.02",
        "harian",
        "terbuka",
        ("harga-pangan",),
    ),
    ("bencana", "Kejadian Bencana dan Dampaknya", "BPBD", "RAD.05", "bulanan", "terbuka", ("kebencanaan",)),
    ("bansos", "Data Penerima Bantuan Sosial", "Dinas Sosial", "RAD.04", "bulanan", "terbatas", ("bansos",)),
    ("aset", "Daftar Barang Milik Daerah", "BPKAD", "RAD.10.04", "tahunan", "terbatas", ("aset",)),
)
STAFF_FAMILIES = ("kepegawaian", "kinerja", "presensi", "gaji", "diklat")
STAFF_DATASET: tuple[str, str, str, str, str, tuple[str, ...]] = (
    "pegawai", "Data Pegawai ASN", "RAD.09", "bulanan", "terbatas", STAFF_FAMILIES
)  # fmt: skip
# Services every government delivers: (key, name, area, RAL code, families delivering it)
COMMON_SERVICES = (
    ("perizinan", "Pelayanan Perizinan Berusaha", "publik", "RAL.01", ("perizinan", "pbg")),
    ("adminduk", "Pelayanan Administrasi Kependudukan", "publik", "RAL.01", ("adminduk",)),
    ("pengaduan", "Pengelolaan Pengaduan Pelayanan Publik", "publik", "RAL.01", ("pengaduan",)),
    ("informasi", "Layanan Informasi Publik", "publik", "RAL.01", ("ppid", "jdih", "website", "satu-data")),
    ("kesehatan", "Pelayanan Kesehatan Dasar dan Rujukan", "publik", "RAL.01", ("puskesmas", "rsud")),
    ("pajak", "Pelayanan Pajak dan Retribusi Daerah", "publik", "RAL.01", ("pajak-daerah", "retribusi", "pkb-samsat")),
    ("pendidikan", "Penerimaan Murid Baru", "publik", "RAL.01", ("ppdb",)),
    (
        "kepegawaian",
        "Manajemen Kepegawaian",
        "administrasi",
        "RAL.02.04",
        ("kepegawaian", "kinerja", "presensi", "diklat"),
    ),
    (
        "keuangan",
        "Perencanaan, Penganggaran dan Pengelolaan Keuangan",
        "administrasi",
        "RAL.02.02",
        ("anggaran", "perencanaan", "aset", "gaji"),
    ),
    ("persuratan", "Tata Naskah Dinas dan Kearsipan", "administrasi", "RAL.02.06", ("naskah-dinas",)),
    (
        "kinerja",
        "Akuntabilitas Kinerja dan Pengawasan Intern",
        "administrasi",
        "RAL.02.07",
        ("sakip", "lakip-pengawasan"),
    ),
)
MAX_MISSION_SERVICES = 3
JIP_TEXT = "Sambungan jaringan intra pemerintah ke simpul JIP nasional."
CLOUD_TEXT = "Platform komputasi awan (IaaS) untuk aplikasi publik."
MAX_SERVICES = 5  # "a few" per agency: the main mission services first, then the common ones
MAX_SERVICE_APPS = 12


@dataclass
class DemoCatalogue:
    """Records in the catalogue's input shapes (``InfrastructureIn``, ``DataSetIn``, ``ServiceIn``)."""

    infrastructure: list[dict[str, object]] = field(default_factory=list)
    datasets: list[dict[str, object]] = field(default_factory=list)
    services: list[dict[str, object]] = field(default_factory=list)


def region_code(agency: AgencyRef) -> str | None:
    """``KAB-32.04`` → ``32.04``; central agencies have none."""
    return agency.code.split("-", 1)[1] if agency.group != "central" else None


def attach(inventory: DemoInventory, agencies: list[AgencyRef], seed: int) -> DemoCatalogue:
    """Build the catalogue and fill the rows' ``hosting`` and ``datasets`` columns."""
    rng = random.Random(seed * 7_919 + 17)  # noqa: S311 (demo data)
    catalogue = DemoCatalogue()
    rows_of: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in inventory.rows:
        rows_of[row["agency_code"]].append(row)
    hosts = {a.code: _infrastructure(catalogue, a, rng) for a in agencies if not a.administrative}
    jakarta = hosts.get("PROV-31")
    for agency in agencies:
        rows = rows_of[agency.code]
        host = hosts.get(agency.code) or jakarta
        data = _datasets(catalogue, agency, inventory.keys, rng)
        for row in rows:
            key = inventory.keys[row["code"]]
            if host and row["status"] != "planned" and rng.random() < 0.8:
                row["hosting"] = host
            row["datasets"] = ";".join(data.get(key, []))
        _services(catalogue, agency, rows, inventory.keys)
    return catalogue


def _infrastructure(catalogue: DemoCatalogue, agency: AgencyRef, rng: random.Random) -> str:
    """The agency's data centre (or PDN tenancy), JIP link and maybe cloud; returns the hosting code."""
    region = region_code(agency)
    own = rng.random() < {"provinsi": 0.75, "kabupaten": 0.45, "kota": 0.55, "kementerian": 0.8}.get(agency.kind, 0.3)
    base: dict[str, object] = {
        "agency_code": agency.code,
        "region_code": region,
        "is_national_data_centre": False,
        "tier": None,
    }
    if own:
        tier = rng.choice(("Tier I", "Tier II", "Tier II", "Tier III"))
        host: dict[str, object] = {**base, "code": f"DC-{agency.code}", "name": f"Pusat Data {agency.short_name}",
                                   "kind": "data_centre", "tier": tier,
                                   "description": f"Ruang server / pusat data milik {agency.name}."}  # fmt: skip
    else:
        host = {**base, "code": f"PDN-{agency.code}", "name": f"Tenant PDN {agency.short_name}", "kind": "cloud",
                "description": f"Sewa kapasitas komputasi {agency.name} di Pusat Data Nasional."}  # fmt: skip
    catalogue.infrastructure.append(host)
    catalogue.infrastructure.append({**base, "code": f"JIP-{agency.code}", "name": f"Sambungan JIP {agency.short_name}",
                                     "kind": "network", "description": JIP_TEXT})  # fmt: skip
    if rng.random() < 0.15:
        catalogue.infrastructure.append({**base, "code": f"CLOUD-{agency.code}", "name": f"Cloud {agency.short_name}",
                                         "kind": "cloud", "description": CLOUD_TEXT})  # fmt: skip
    return str(host["code"])


def _dataset(agency: AgencyRef, number: int, name: str, unit: str, reference: str, frequency: str,
             classification: str, rng: random.Random) -> dict[str, object]:  # fmt: skip
    formats = [f for f, _w in FORMATS]
    return {"code": f"DS-{agency.code}-{number:02d}", "name": f"{name} {agency.region_label or agency.short_name}",
            "description": f"Walidata: {agency.short_name}; produsen data: {unit}. Metadata Satu Data Indonesia.",
            "agency_code": agency.code, "reference_codes": reference,
            "data_format": rng.choices(formats, weights=[w for _f, w in FORMATS])[0], "frequency": frequency,
            "classification": classification}  # fmt: skip


def _datasets(catalogue: DemoCatalogue, agency: AgencyRef, keys: dict[str, str],
              rng: random.Random) -> dict[str, list[str]]:  # fmt: skip
    """The agency's data sets; returns function key → data set codes its applications use."""
    used: dict[str, list[str]] = defaultdict(list)
    items: list[tuple[str, str, str, str, str, tuple[str, ...]]] = []
    if agency.group == "central":
        for sector, obj in MISSIONS_OF.get(agency.code, ())[:4]:
            words = obj.split("|")[0]
            affair = SECTORS[sector][0]
            secret = "terbatas" if rng.random() < 0.1 else "terbuka"
            items.append((f"Data {words}", "unit teknis", f"RAD.{affair[:2]}", rng.choice(("bulanan", "tahunan")),
                          secret, (f"mission:{words}",)))  # fmt: skip
    elif not agency.administrative:
        chosen = rng.sample(REGIONAL_DATASETS, 4)
        items += [(d[1], d[2], d[3], d[4], d[5], tuple(d[6])) for d in chosen]
    if not agency.administrative and rng.random() < 0.6:  # staff data registered by most, not all
        _key, name, ref, freq, cls, fams = STAFF_DATASET
        items.append((name, "unit kepegawaian", ref, freq, cls, fams))
    for number, (name, unit, ref, freq, cls, fams) in enumerate(items, 1):
        record = _dataset(agency, number, name, unit, ref, freq, cls, rng)
        catalogue.datasets.append(record)
        for family in fams:
            used[family].append(str(record["code"]))
    return used


def _services(catalogue: DemoCatalogue, agency: AgencyRef, rows: list[dict[str, str]], keys: dict[str, str]) -> None:
    by_key: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_key[keys[row["code"]]].append(row["code"])
    number = 0

    def add(name: str, area: str, category: str, apps: list[str], what: str) -> None:
        nonlocal number
        if number >= MAX_SERVICES:
            return
        number += 1
        catalogue.services.append({"code": f"LAY-{agency.code}-{number:02d}", "name": name, "agency_code": agency.code,
                                   "service_area": area, "category": category, "applications": apps[:MAX_SERVICE_APPS],
                                   "description": f"{what} oleh {agency.name}."})  # fmt: skip

    for sector, obj in MISSIONS_OF.get(agency.code, ())[:MAX_MISSION_SERVICES]:
        words, what = obj.split("|")
        apps = by_key.get(f"mission:{words}", [])
        if apps:
            area = SECTORS[sector][1]
            add(f"Layanan {words}", area, "RAL.01" if area == "publik" else "RAL.02.06", apps, what.capitalize())
    for _key, name, area, category, families in COMMON_SERVICES:
        apps = [code for family in families for code in by_key.get(family, [])]
        if apps:
            add(name, area, category, apps, name)
    if number == 0:  # Jakarta's administrative cities: their kelurahan/kecamatan services
        topics = [key for key in by_key if key.startswith("topic:")][:2]
        for key in topics:
            add(f"Layanan {key.removeprefix('topic:')}", "publik", "RAL.01", by_key[key], "Pelayanan warga")
