"""Shapes of region codes (kode wilayah) as the API, the CLI and other modules see them."""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class RegionLevel(StrEnum):
    """The four levels of Kemendagri region codes, from the top down."""

    province = "province"
    regency = "regency"
    district = "district"
    village = "village"

    @property
    def depth(self) -> int:
        """How many dotted parts a code of this level has (province 1 … village 4)."""
        return list(RegionLevel).index(self) + 1

    @property
    def parent(self) -> RegionLevel | None:
        """The level above (None for a province)."""
        return list(RegionLevel)[self.depth - 2] if self.depth > 1 else None

    @property
    def child(self) -> RegionLevel | None:
        """The level below (None for a village)."""
        return list(RegionLevel)[self.depth] if self.depth < len(RegionLevel) else None

    @classmethod
    def of_code(cls, code: str) -> RegionLevel:
        """The level of a well-formed dotted code (``32.73`` → regency)."""
        return list(cls)[code.count(".")]


class _Orm(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ProvinceOut(_Orm):
    """Provinsi."""

    code: str = Field(examples=["32"])
    name: str = Field(examples=["Jawa Barat"])


class RegencyOut(_Orm):
    """Kabupaten or kota."""

    code: str = Field(examples=["32.73"])
    name: str = Field(examples=["Kota Bandung"])
    kind: str = Field(examples=["kota"], description="kabupaten (codes 01–69) or kota (71–99)")
    province_code: str = Field(examples=["32"])


class DistrictOut(_Orm):
    """Kecamatan (distrik in Papua)."""

    code: str = Field(examples=["32.73.05"])
    name: str = Field(examples=["Andir"])
    regency_code: str = Field(examples=["32.73"])


class VillageOut(_Orm):
    """Desa or kelurahan."""

    code: str = Field(examples=["32.73.05.1001"])
    name: str
    kind: str = Field(examples=["kelurahan"], description="kelurahan, desa or desa adat")
    district_code: str = Field(examples=["32.73.05"])


class RegionList(BaseModel, Generic[T]):
    """A complete, unpaginated list."""

    items: list[T]
    total: int


class Page(RegionList[T], Generic[T]):
    """One page of a longer list; ``total`` counts every match."""

    limit: int
    offset: int


class RegionRef(BaseModel):
    """A region named by code, e.g. a parent."""

    code: str
    name: str
    level: RegionLevel


class RegionOut(RegionRef):
    """One region at any level with its parents (province first)."""

    kind: str | None = Field(default=None, description="regency: kabupaten/kota; village: kelurahan/desa")
    parents: list[RegionRef] = Field(default_factory=list)

    @property
    def full_name(self) -> str:
        """``Andir, Kota Bandung, Jawa Barat``."""
        return ", ".join([self.name, *(parent.name for parent in reversed(self.parents))])


class RegionDetail(RegionOut):
    """``GET /api/v1/wilayah/{code}``: a region, its parents and how many regions it contains."""

    children: int = Field(description="Number of regions one level below (0 for a village)")


class SearchHit(RegionOut):
    """A search result; ``match`` is how well the name matched (exact, prefix, contains)."""

    match: str = Field(examples=["exact"])


class LevelCount(BaseModel):
    """Regions of one level in the database and in the packaged data."""

    level: RegionLevel
    in_database: int
    in_data: int


class LevelLoad(BaseModel):
    """What loading did to one level."""

    level: RegionLevel
    total: int
    added: int = 0
    updated: int = 0


class LoadReport(BaseModel):
    """What ``load_regions`` did, level by level."""

    levels: list[LevelLoad]

    @property
    def changed(self) -> bool:
        return any(level.added or level.updated for level in self.levels)

    def summary(self) -> str:
        """``38 provinces, 514 regencies, 7,285 districts, 83,762 villages (already loaded)``."""
        plurals = {"province": "provinces", "regency": "regencies", "district": "districts"}
        counts = ", ".join(f"{lv.total:,} {plurals.get(lv.level, 'villages')}" for lv in self.levels)
        return f"{counts} ({self._change_note()})"

    def _change_note(self) -> str:
        if not self.changed:
            return "already loaded"
        added = sum(level.added for level in self.levels)
        updated = sum(level.updated for level in self.levels)
        notes = [f"{added:,} added"] if added else []
        notes += [f"{updated:,} renamed"] if updated else []
        return ", ".join(notes)
