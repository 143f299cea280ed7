"""Exports: the national results and one agency's report as CSV, XLSX and a printable PDF."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from decimal import Decimal

from fpdf import FPDF
from openpyxl import Workbook

from spbe.evaluation import scoring
from spbe.evaluation.instruments.spec import Instrument
from spbe.evaluation.national import NationalPicture
from spbe.evaluation.schemas import AssessmentOut, ItemOut

Table = tuple[list[str], list[list[object]]]


def national_table(picture: NationalPicture, names: dict[str, str]) -> Table:
    """The ranking of a year with each agency's index and domain indices (the year's instrument's domains).

    Numbers are ``Decimal`` with two places: CSV writes them as text ("3.12"), XLSX as numbers.
    """
    domains = [d.code for d in picture.instrument.domains]
    header = ["rank", "agency_code", "agency_name", "kind", "group", "index", "predikat", *domains, "change"]
    rows: list[list[object]] = [
        [rank, a.code, names.get(a.code, ""), a.kind, a.group, _two(a.index), a.predikat]
        + [_two(a.domains[d]) if d in a.domains else None for d in domains]
        + [_two(picture.movement[a.code]) if a.code in picture.movement else None]
        for rank, a in enumerate(picture.ranking, start=1)
    ]
    return header, rows


def agency_table(assessment: AssessmentOut) -> Table:
    header = ["indicator", "name", "domain", "aspect", "weight", "self_level", "validated_level", "level_name"]
    rows: list[list[object]] = [
        [i.indicator, i.name, i.domain, i.aspect, Decimal(i.weight), i.self_level, i.validated_level, i.level_name]
        for i in assessment.items
    ]
    return header, rows


def _two(value: Decimal) -> Decimal:
    return scoring.published(value)


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table[0])
    writer.writerows(table[1])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(table[0])
    for row in table[1]:
        sheet.append(row)
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00" if cell.value.as_tuple().exponent == -2 else "General"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def agency_pdf(assessment: AssessmentOut, agency_name: str, instrument: Instrument) -> bytes:
    """A printable A4 report: index, predikat, domain and aspect indices, and every indicator's level."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 8, _latin(f"Laporan Evaluasi SPBE {assessment.year}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 12)
    pdf.multi_cell(0, 7, _latin(f"{agency_name} ({assessment.agency_code})"), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, _latin(f"{instrument.title} ({assessment.instrument})"), new_x="LMARGIN", new_y="NEXT")
    _pdf_score(pdf, assessment, instrument)
    _pdf_items(pdf, assessment)
    return bytes(pdf.output())


def _pdf_score(pdf: FPDF, assessment: AssessmentOut, instrument: Instrument) -> None:
    pdf.ln(4)
    pdf.set_font("helvetica", "B", 13)
    score = assessment.score
    if score is None:
        pdf.cell(0, 8, f"Belum lengkap: indikator {assessment.missing}", new_x="LMARGIN", new_y="NEXT")
        return
    pdf.cell(0, 8, f"{instrument.index_name}: {score.index} ({score.predikat})", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 11)
    for domain in instrument.domains:
        line = f"{domain.code} {domain.name} (bobot {domain.weight}%): {score.domains[domain.code]}"
        pdf.cell(0, 6, _latin(line), new_x="LMARGIN", new_y="NEXT")
    for aspect in instrument.aspects:
        line = f"   {aspect.code} {aspect.name} (bobot {aspect.weight}%): {score.aspects[aspect.code]}"
        pdf.cell(0, 6, _latin(line), new_x="LMARGIN", new_y="NEXT")
    _pdf_radar(pdf, {code: Decimal(value) for code, value in score.domains.items()}, instrument.max_level)


def _pdf_radar(pdf: FPDF, domains: dict[str, Decimal], maximum: int, radius: float = 28) -> None:
    """The domain radar drawn with fpdf2's own lines (rings at each level, the agency's polygon)."""
    if len(domains) < 3:
        return
    if pdf.get_y() + 2 * radius + 16 > pdf.h - pdf.b_margin:
        pdf.add_page()
    cx, cy = pdf.w / 2, pdf.get_y() + radius + 8
    codes = list(domains)

    def point(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / len(codes)
        return cx + radius * value / maximum * math.cos(angle), cy + radius * value / maximum * math.sin(angle)

    pdf.set_draw_color(190, 190, 190)
    for ring in range(1, maximum + 1):
        pdf.polygon([point(i, ring) for i in range(len(codes))], style="D")
    pdf.set_font("helvetica", "", 8)
    for i, code in enumerate(codes):
        pdf.line(cx, cy, *point(i, maximum))
        x, y = point(i, maximum + 0.7)
        pdf.text(x - 6, y + 1, _latin(f"{code} {domains[code]:.2f}"))
    pdf.set_draw_color(29, 112, 184)
    pdf.set_fill_color(200, 220, 240)
    pdf.polygon([point(i, float(domains[code])) for i, code in enumerate(codes)], style="DF")
    pdf.set_draw_color(0, 0, 0)
    pdf.set_y(cy + radius + 8)


def _pdf_items(pdf: FPDF, assessment: AssessmentOut) -> None:
    pdf.ln(4)
    pdf.set_font("helvetica", "B", 10)
    widths: Sequence[int] = (10, 120, 18, 18)
    for width, text in zip(widths, ("No", "Indikator", "Mandiri", "Validasi"), strict=True):
        pdf.cell(width, 6, text, border=1)
    pdf.ln()
    pdf.set_font("helvetica", "", 8)
    for item in assessment.items:
        values = (str(item.indicator), item.name[:80], _level(item.self_level), _final_level(item))
        for width, text in zip(widths, values, strict=True):
            pdf.cell(width, 5, _latin(text), border=1)
        pdf.ln()


def _final_level(item: ItemOut) -> str:
    """The validated level, or the agency's own where the assessor accepted it as given."""
    return _level(item.validated_level if item.validated_level is not None else item.self_level)


def _level(level: int | None) -> str:
    return "-" if level is None else str(level)


def _latin(text: str) -> str:
    """The core PDF fonts are Latin-1; replace what they cannot show."""
    return text.replace("–", "-").replace("—", "-").encode("latin-1", "replace").decode("latin-1")
