"""Read and validate instrument files (``*.json`` in this folder or any folder given).

Every problem in a file is collected and reported at once as a ``ValidationFailed`` whose errors name
the JSON path (``indicators[12].weight``) and the reason, so an author can fix a file in one pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from spbe.core.errors import FieldError, ValidationFailed
from spbe.evaluation.instruments.checks import check_instrument
from spbe.evaluation.instruments.spec import Aspect, Band, Domain, Indicator, Instrument, Level, Scale

INSTRUMENT_DIR = Path(__file__).resolve().parent
DEFAULT_INSTRUMENT = "permenpanrb-59-2020"


def instrument_files(folder: Path = INSTRUMENT_DIR) -> list[Path]:
    """The instrument files of a folder, in name order."""
    return sorted(folder.glob("*.json"))


def load_instrument_file(path: Path) -> Instrument:
    """Parse and validate one file; a bad file raises ``ValidationFailed`` naming the file and each problem."""
    raw = path.read_bytes()
    try:
        document = json.loads(raw, parse_float=Decimal, parse_int=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationFailed(f"{path.name}: not valid JSON ({exc})") from None
    try:
        return parse_instrument(document, checksum=hashlib.sha256(raw).hexdigest())
    except ValidationFailed as exc:
        raise ValidationFailed(f"{path.name}: {exc.detail}", errors=exc.errors) from None


def load_instruments(folder: Path = INSTRUMENT_DIR) -> list[Instrument]:
    return [load_instrument_file(path) for path in instrument_files(folder)]


def parse_instrument(document: Any, *, checksum: str = "") -> Instrument:
    """Build an ``Instrument`` from a decoded document, or raise ``ValidationFailed`` with every problem."""
    errors: list[FieldError] = []
    if not isinstance(document, dict):
        raise ValidationFailed("an instrument is a JSON object", errors=[FieldError("$", "expected an object")])
    instrument = _build(document, errors)
    if instrument is not None:
        errors.extend(check_instrument(instrument))
    if errors or instrument is None:
        summary = "; ".join(f"{error.field}: {error.message}" for error in errors[:5])
        raise ValidationFailed(f"the instrument is not valid — {summary}", errors=errors)
    return replace(instrument, checksum=checksum)


def _build(document: dict[str, Any], errors: list[FieldError]) -> Instrument | None:
    try:
        return Instrument(
            code=_text(document, "code"),
            version=int(document["version"]),
            title=_text(document, "title"),
            legal_basis=str(document.get("legal_basis", "")),
            index_name=str(document.get("index_name", "Indeks")),
            total_weight=Decimal(document.get("total_weight", 100)),
            scales=tuple(_scale(item) for item in _list(document, "scales")),
            bands=tuple(_band(item) for item in _list(document, "predikat")),
            domains=tuple(Domain(_text(d, "code"), _text(d, "name"), _weight(d)) for d in _list(document, "domains")),
            aspects=tuple(_aspect(item) for item in _list(document, "aspects")),
            indicators=tuple(_indicators(document)),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        errors.append(FieldError(_missing_field(exc), _reason(exc)))
        return None


def _missing_field(exc: Exception) -> str:
    return str(exc.args[0]).strip("'") if isinstance(exc, KeyError) else "$"


def _reason(exc: Exception) -> str:
    return "is required" if isinstance(exc, KeyError) else f"has a wrong type or value ({exc})"


def _text(item: dict[str, Any], key: str) -> str:
    value = item[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a non-empty string")
    return value


def _list(item: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = item[key]
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise TypeError(f"{key} must be a list of objects")
    return value


def _weight(item: dict[str, Any]) -> Decimal:
    return Decimal(item["weight"])


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _scale(item: dict[str, Any]) -> Scale:
    levels = tuple(Level(int(lv["level"]), _text(lv, "name"), lv.get("criteria")) for lv in _list(item, "levels"))
    return Scale(_text(item, "code"), _text(item, "name"), levels)


def _band(item: dict[str, Any]) -> Band:
    return Band(_text(item, "name"), _optional_decimal(item.get("from")), _optional_decimal(item.get("below")))


def _aspect(item: dict[str, Any]) -> Aspect:
    return Aspect(_text(item, "code"), _text(item, "name"), _text(item, "domain"), _weight(item))


def _indicators(document: dict[str, Any]) -> Iterable[Indicator]:
    domain_of = {str(a.get("code")): str(a.get("domain")) for a in _list(document, "aspects")}
    for item in _list(document, "indicators"):
        aspect = _text(item, "aspect")
        number = item["number"]
        if not isinstance(number, Decimal) or number != int(number):
            raise ValueError(f"indicator number {number!r} must be a whole number")
        yield Indicator(
            int(number), _text(item, "name"), aspect, domain_of.get(aspect, ""), _weight(item), _text(item, "scale")
        )
