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
TOTAL_WEIGHT = Decimal(100)  # the index's weights always add up to 100; a file cannot change that
FIRST_YEAR, LAST_YEAR = 2018, 2100


class _Invalid(ValueError):
    """A value that is present but wrong, with the JSON path it was found at."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


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
            total_weight=_total_weight(document),
            scales=tuple(_scale(item) for item in _list(document, "scales")),
            bands=tuple(_band(item) for item in _list(document, "predikat")),
            domains=tuple(
                Domain(_text(d, "code"), _text(d, "name"), _weight(d, f"domains[{n}]"))
                for n, d in enumerate(_list(document, "domains"))
            ),
            aspects=tuple(_aspect(item, f"aspects[{n}]") for n, item in enumerate(_list(document, "aspects"))),
            indicators=tuple(_indicators(document)),
            in_force_from=_in_force_from(document),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        errors.append(FieldError(_missing_field(exc), _reason(exc)))
        return None


def _missing_field(exc: Exception) -> str:
    if isinstance(exc, _Invalid):
        return exc.path
    return str(exc.args[0]).strip("'") if isinstance(exc, KeyError) else "$"


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return "is required"
    if isinstance(exc, (TypeError, ValueError)):
        return str(exc)
    return "is not a valid number"


def _total_weight(document: dict[str, Any]) -> Decimal:
    """Always 100: a file may state it (as the bundled one does) but not change it."""
    stated = document.get("total_weight", TOTAL_WEIGHT)
    if not _is_number(stated) or Decimal(stated) != TOTAL_WEIGHT:
        message = f"must be {TOTAL_WEIGHT} (the index weights always add up to 100), not {_show(stated)}"
        raise _Invalid("total_weight", message)
    return TOTAL_WEIGHT


def _in_force_from(document: dict[str, Any]) -> int | None:
    """The first evaluation year the instrument scores (optional; without it, from the platform's first year)."""
    value = document.get("in_force_from")
    if value is None:
        return None
    if not _is_number(value) or value != int(value) or not FIRST_YEAR <= int(value) <= LAST_YEAR:
        raise _Invalid("in_force_from", f"must be a year from {FIRST_YEAR} to {LAST_YEAR}, not {_show(value)}")
    return int(value)


def _show(value: Any) -> str:
    """A value as the file wrote it (``13.5``, ``"abc"``), for messages."""
    return str(value) if isinstance(value, Decimal) else json.dumps(value, ensure_ascii=False, default=str)


def _is_number(value: Any) -> bool:
    return isinstance(value, (Decimal, int)) and not isinstance(value, bool)


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


def _weight(item: dict[str, Any], path: str) -> Decimal:
    value = item["weight"]
    if not _is_number(value) or not Decimal(value).is_finite() or Decimal(value) < 0:
        raise _Invalid(f"{path}.weight", f"must be a number of 0 or more, not {_show(value)}")
    return Decimal(value)


def _optional_decimal(value: Any, path: str) -> Decimal | None:
    if value is None:
        return None
    if not _is_number(value):
        raise _Invalid(path, f"must be a number, not {_show(value)}")
    return Decimal(value)


def _scale(item: dict[str, Any]) -> Scale:
    levels = tuple(Level(int(lv["level"]), _text(lv, "name"), lv.get("criteria")) for lv in _list(item, "levels"))
    return Scale(_text(item, "code"), _text(item, "name"), levels)


def _band(item: dict[str, Any]) -> Band:
    name = _text(item, "name")
    return Band(
        name,
        _optional_decimal(item.get("from"), f"predikat {name}.from"),
        _optional_decimal(item.get("below"), f"predikat {name}.below"),
    )


def _aspect(item: dict[str, Any], path: str) -> Aspect:
    return Aspect(_text(item, "code"), _text(item, "name"), _text(item, "domain"), _weight(item, path))


def _indicators(document: dict[str, Any]) -> Iterable[Indicator]:
    domain_of = {str(a.get("code")): str(a.get("domain")) for a in _list(document, "aspects")}
    for position, item in enumerate(_list(document, "indicators")):
        aspect = _text(item, "aspect")
        number = item["number"]
        if not isinstance(number, Decimal) or number != int(number):
            raise ValueError(f"indicator number {number!r} must be a whole number")
        yield Indicator(
            int(number),
            _text(item, "name"),
            aspect,
            domain_of.get(aspect, ""),
            _weight(item, f"indicators[{position}]"),
            _text(item, "scale"),
        )
