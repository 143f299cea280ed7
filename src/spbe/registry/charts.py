"""Small server-side SVG charts for the registry dashboards (no JavaScript).

Each returns ``Markup`` with ``role="img"`` and a ``<title>`` summarising the numbers; pages show the same
numbers in a table for screen readers and printing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

PALETTE = ("#1d70b8", "#00703c", "#f47738", "#d4351c", "#4c2c92", "#85994b", "#b58840", "#28a197", "#6f72af")
TIME_COLOURS = {"invest": "#00703c", "tolerate": "#1d70b8", "migrate": "#f47738", "eliminate": "#d4351c"}


def _svg(width: int, height: int, label: str, body: str) -> Markup:
    return Markup(  # noqa: S704 (every text below passes through escape)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'style="max-width:{width}px" role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f"{body}</svg>"
    )


def bars(counts: Mapping[str, int], title: str, width: int = 560) -> Markup:
    """Horizontal bars, one per label, longest scaled to the width."""
    top = max(counts.values(), default=0) or 1
    row, label_width = 26, 190
    parts = []
    for i, (name, count) in enumerate(counts.items()):
        y = 10 + i * row
        length = (width - label_width - 60) * count / top
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" font-size="13" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}" font-size="13">{count:,}</text>'
        )
    summary = ", ".join(f"{name} {count}" for name, count in counts.items())
    return _svg(width, 20 + row * max(len(counts), 1), f"{title}: {summary}", "".join(parts))


def stacked(
    rows: Sequence[tuple[str, Mapping[str, int]]], series: Sequence[str], title: str, width: int = 560
) -> Markup:
    """One horizontal bar per row, split into ``series`` (e.g. categories per agency type), with a legend."""
    top = max((sum(values.values()) for _, values in rows), default=0) or 1
    row, label_width = 26, 120
    parts = []
    for i, (name, values) in enumerate(rows):
        y, x = 10 + i * row, float(label_width)
        parts.append(f'<text x="{label_width - 8}" y="{y + 15}" font-size="13" text-anchor="end">{escape(name)}</text>')
        for j, key in enumerate(series):
            length = (width - label_width - 70) * values.get(key, 0) / top
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"/>'
            )
            x += length
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}" font-size="13">{sum(values.values()):,}</text>')
    legend_y = 20 + row * len(rows)
    for j, key in enumerate(series):
        lx = 10 + (j % 4) * 135
        ly = legend_y + (j // 4) * 20
        parts.append(
            f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{lx + 16}" y="{ly + 11}" font-size="12">{escape(key)}</text>'
        )
    height = legend_y + 20 * (1 + (len(series) - 1) // 4) + 10
    summary = "; ".join(f"{name}: " + ", ".join(f"{k} {v}" for k, v in values.items()) for name, values in rows)
    return _svg(width, height, f"{title}: {summary}", "".join(parts))


def time_quadrant(counts: Mapping[str, int], labels: Mapping[str, str], size: int = 360) -> Markup:
    """The TIME quadrant: functional fit (x) × technical fit (y), a circle per quadrant sized by count."""
    half = size / 2
    cells = {"tolerate": (0, 0), "invest": (1, 0), "eliminate": (0, 1), "migrate": (1, 1)}
    top = max(counts.values(), default=0) or 1
    parts = [
        f'<rect x="0" y="0" width="{size}" height="{size}" fill="#f3f2f1"/>',
        f'<line x1="{half}" y1="0" x2="{half}" y2="{size}" stroke="#b1b4b6"/>',
        f'<line x1="0" y1="{half}" x2="{size}" y2="{half}" stroke="#b1b4b6"/>',
    ]
    for key, (column, row) in cells.items():
        cx, cy = half * column + half / 2, half * row + half / 2
        radius = 8 + (half / 2 - 14) * (counts.get(key, 0) / top) ** 0.5
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="{TIME_COLOURS[key]}" fill-opacity="0.8"/>'
            f'<text x="{cx:.1f}" y="{half * row + 18}" font-size="13" text-anchor="middle" font-weight="bold">'
            f"{escape(labels.get(key, key))}</text>"
            f'<text x="{cx:.1f}" y="{cy + 5:.1f}" font-size="14" text-anchor="middle" fill="#fff">'
            f"{counts.get(key, 0):,}</text>"
        )
    summary = ", ".join(f"{labels.get(k, k)} {counts.get(k, 0)}" for k in cells)
    return _svg(size, size, f"TIME: {summary}", "".join(parts))
