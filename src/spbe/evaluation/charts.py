"""Small server-side SVG charts (no JavaScript): radar of domains, heatmap, predikat histogram, trend line.

Each returns ``markupsafe.Markup`` with a ``<title>`` and ``role="img"`` so screen readers get a summary;
the pages also show the same numbers in a table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

from markupsafe import Markup, escape

from spbe.core.i18n import gettext as _

LEVEL_COLOURS = ("#d4351c", "#f47738", "#ffdd00", "#85994b", "#00703c")  # 1 … 5


def _svg(width: int, height: int, label: str, body: str) -> Markup:
    return Markup(  # noqa: S704 (every text below passes through escape)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px" font-family="arial, sans-serif" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>"
        f"{body}</svg>"
    )


def _point(cx: float, cy: float, radius: float, angle: float) -> tuple[float, float]:
    return cx + radius * math.sin(angle), cy - radius * math.cos(angle)


def radar(values: Mapping[str, Decimal], labels: Mapping[str, str], maximum: int = 5, size: int = 360) -> Markup:
    """A radar (spider) chart of domain indices on the 0–maximum scale; labels carry their values and have
    room on both sides (``margin``), so long domain names are not cut off."""
    margin = 110
    width = size + 2 * margin
    cx, cy = width / 2, size / 2
    radius = size / 2 - 50
    keys = list(values)
    angles = [2 * math.pi * i / len(keys) for i in range(len(keys))]
    rings = "".join(_ring(cx, cy, radius * level / maximum, angles) for level in range(1, maximum + 1))
    spokes = "".join(
        _spoke(cx, cy, radius, angle, f"{labels.get(key, key)} {values[key]:.2f}")
        for key, angle in zip(keys, angles, strict=True)
    )
    shape = " ".join(
        "{:.1f},{:.1f}".format(*_point(cx, cy, radius * float(values[key]) / maximum, angle))
        for key, angle in zip(keys, angles, strict=True)
    )
    area = f'<polygon points="{shape}" fill="#1d70b8" fill-opacity="0.35" stroke="#1d70b8" stroke-width="2"/>'
    summary = ", ".join(f"{labels.get(k, k)} {values[k]:.2f}" for k in keys)
    return _svg(width, size, _("Domain radar: %(summary)s") % {"summary": summary}, rings + spokes + area)


def _ring(cx: float, cy: float, radius: float, angles: Sequence[float]) -> str:
    points = " ".join("{:.1f},{:.1f}".format(*_point(cx, cy, radius, a)) for a in angles)
    return f'<polygon points="{points}" fill="none" stroke="#b1b4b6" stroke-width="1"/>'


def _spoke(cx: float, cy: float, radius: float, angle: float, label: str) -> str:
    x, y = _point(cx, cy, radius, angle)
    lx, ly = _point(cx, cy, radius + 22, angle)
    anchor = "middle" if abs(lx - cx) < 5 else ("start" if lx > cx else "end")
    return (
        f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#b1b4b6"/>'
        f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="14" text-anchor="{anchor}">{escape(label)}</text>'
    )


def histogram(counts: Mapping[str, int], width: int = 480, height: int = 240) -> Markup:
    """Bars of how many agencies got each predikat."""
    top = max(counts.values(), default=0) or 1
    bar = (width - 40) / max(len(counts), 1)
    parts = []
    for i, (name, count) in enumerate(counts.items()):
        h = (height - 60) * count / top
        x, y = 20 + i * bar, height - 40 - h
        colour = LEVEL_COLOURS[min(i, len(LEVEL_COLOURS) - 1)]
        parts.append(
            f'<rect x="{x + 6:.1f}" y="{y:.1f}" width="{bar - 12:.1f}" height="{h:.1f}" fill="{colour}"/>'
            f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" font-size="12" text-anchor="middle">{count}</text>'
            f'<text x="{x + bar / 2:.1f}" y="{height - 22}" font-size="12" text-anchor="middle">{escape(name)}</text>'
        )
    summary = ", ".join(f"{name} {count}" for name, count in counts.items())
    return _svg(width, height, _("Predikat: %(summary)s") % {"summary": summary}, "".join(parts))


def heatmap(
    rows: Sequence[tuple[str, Sequence[Decimal | int | None]]], columns: Sequence[int], cell: int = 12
) -> Markup:
    """Rows (agencies or groups) × indicator columns, coloured by level (1 red … 5 green)."""
    left, top = 150, 24
    width, height = left + cell * len(columns) + 10, top + cell * len(rows) + 10
    header = "".join(
        f'<text x="{left + i * cell + cell / 2:.1f}" y="{top - 6}" font-size="8" text-anchor="middle">{n}</text>'
        for i, n in enumerate(columns)
        if n % 5 == 0 or n == 1
    )
    body = "".join(_heat_row(label, values, left, top + r * cell, cell) for r, (label, values) in enumerate(rows))
    label = _("Heatmap of %(rows)s rows × %(columns)s indicators") % {"rows": len(rows), "columns": len(columns)}
    return _svg(width, height, label, header + body)


def _heat_row(label: str, values: Sequence[Decimal | int | None], left: int, y: int, cell: int) -> str:
    cells = "".join(
        f'<rect x="{left + i * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="{_colour(v)}">'
        f"<title>{escape(label)} · {i + 1}: {'–' if v is None else v}</title></rect>"
        for i, v in enumerate(values)
    )
    text = f'<text x="{left - 4}" y="{y + cell - 3}" font-size="9" text-anchor="end">{escape(label[:28])}</text>'
    return text + cells


def _colour(value: Decimal | int | None) -> str:
    if value is None:
        return "#f3f2f1"
    index = min(4, max(0, round(float(value)) - 1))
    return LEVEL_COLOURS[index]


def trend(points: Sequence[tuple[int, Decimal]], width: int = 480, height: int = 200, maximum: int = 5) -> Markup:
    """A line of the index over the years."""
    if not points:
        return _svg(width, height, _("No data"), "")
    step = (width - 60) / max(len(points) - 1, 1)
    coords = [(30 + i * step, height - 30 - (height - 60) * float(v) / maximum) for i, (_, v) in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    marks = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1d70b8"/>'
        f'<text x="{x:.1f}" y="{y - 8:.1f}" font-size="11" text-anchor="middle">{v:.2f}</text>'
        f'<text x="{x:.1f}" y="{height - 10}" font-size="11" text-anchor="middle">{year}</text>'
        for (x, y), (year, v) in zip(coords, points, strict=True)
    )
    body = f'<polyline points="{line}" fill="none" stroke="#1d70b8" stroke-width="2"/>' + marks
    summary = ", ".join(f"{y} {v:.2f}" for y, v in points)
    return _svg(width, height, _("Trend: %(summary)s") % {"summary": summary}, body)
