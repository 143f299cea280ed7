"""Request and response shapes of ``POST /api/v1/nik/validate``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from spbe.core.nik.parser import NikResult, Sex

MAX_BATCH = 1000
RawNik = Annotated[str, Field(max_length=64, examples=["3273056010900009"])]


class NikValidateRequest(BaseModel):
    """Either one ``nik`` or a list ``niks`` (at most 1,000); spaces, dots and dashes are ignored."""

    model_config = ConfigDict(extra="forbid")

    nik: RawNik | None = None
    niks: Annotated[list[RawNik], Field(min_length=1, max_length=MAX_BATCH)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.nik is None) == (self.niks is None):
            raise ValueError("give either nik (one NIK) or niks (a list), not both and not neither")
        return self

    @property
    def all_niks(self) -> list[str]:
        return [self.nik] if self.nik is not None else list(self.niks or [])


class NikProblemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["nik.birth_date"], description="Stable machine code; translate by it")
    message: str


class NikResultOut(BaseModel):
    """What one NIK says, and whether it is valid; errors make it invalid, warnings do not."""

    model_config = ConfigDict(from_attributes=True)

    nik: str = Field(description="The NIK without spaces, dots and dashes")
    masked: str = Field(examples=["3273********0009"])
    valid: bool
    province_code: str | None = None
    province_name: str | None = None
    regency_code: str | None = None
    regency_name: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    birth_date: dt.date | None = None
    sex: Sex | None = None
    serial: int | None = None
    errors: list[NikProblemOut]
    warnings: list[NikProblemOut]

    @classmethod
    def of(cls, result: NikResult) -> NikResultOut:
        return cls.model_validate(result)


class NikValidateResponse(BaseModel):
    results: list[NikResultOut]
    valid: int = Field(description="How many of the NIKs are valid")
    invalid: int
