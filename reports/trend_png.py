"""A KR's trend chart as a PNG, for the email: mail clients show no SVG, so the email embeds
this picture by Content-ID. It draws the same geometry as the web's SVG (``TrendChart``)."""

from __future__ import annotations

import io
import math
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from reports.palette import PALETTE
from reports.view import TrendChart

__all__ = ["SCALE", "trend_png"]

SCALE = 2
"""Drawn at twice the displayed size, so it stays sharp on high-density screens."""

Points = tuple[tuple[float, float], ...]


def trend_png(chart: TrendChart) -> bytes:
    image = Image.new("RGB", (chart.width * SCALE, chart.height * SCALE), "white")
    draw = ImageDraw.Draw(image)
    font = _font()
    _line(draw, ((0, chart.axis_y), (chart.width, chart.axis_y)), PALETTE.rule, 1)
    if chart.target_y is not None and chart.target_label:
        _dashed(draw, ((0, chart.target_y), (chart.width, chart.target_y)), PALETTE.muted_ink, 1, dash=2, gap=3)
        draw.text((6 * SCALE, (chart.target_y - 4) * SCALE), chart.target_label, fill=PALETTE.muted_ink, font=font, anchor="ls")
    _dashed(draw, chart.pace, PALETTE.tones["muted"].fill, 1.5, dash=6, gap=4)
    _line(draw, chart.actual, PALETTE.series, 2.5)
    if chart.forecast:
        _dashed(draw, chart.forecast, PALETTE.series, 1.5, dash=2, gap=3)
        _dot(draw, chart.forecast[-1], 3.5, fill="white", outline=PALETTE.series)
    _dot(draw, chart.actual[-1], 3, fill=PALETTE.series, outline=PALETTE.series)
    baseline = (chart.height - 5) * SCALE
    draw.text((6 * SCALE, baseline), chart.start_label, fill=PALETTE.muted_ink, font=font, anchor="ls")
    draw.text(((chart.width - 6) * SCALE, baseline), chart.end_label, fill=PALETTE.muted_ink, font=font, anchor="rs")
    buffer = io.BytesIO()
    # A handful of colours: as a 32-colour palette the PNG is a third of the size, which
    # matters in an email carrying one chart per KR.
    image.quantize(colors=32, method=Image.Quantize.FASTOCTREE).save(buffer, "PNG")
    return buffer.getvalue()


@cache
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled font: no system font is needed on the machine that sends the report.
    return ImageFont.load_default(size=10 * SCALE)


def _scaled(points: Points) -> list[tuple[float, float]]:
    return [(x * SCALE, y * SCALE) for x, y in points]


def _line(draw: ImageDraw.ImageDraw, points: Points, colour: str, width: float) -> None:
    if len(points) > 1:
        draw.line(_scaled(points), fill=colour, width=round(width * SCALE), joint="curve")


def _dot(draw: ImageDraw.ImageDraw, point: tuple[float, float], radius: float, *, fill: str, outline: str) -> None:
    x, y = point[0] * SCALE, point[1] * SCALE
    r = radius * SCALE
    draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline, width=SCALE)


def _dashed(draw: ImageDraw.ImageDraw, points: Points, colour: str, width: float, *, dash: float, gap: float) -> None:
    """Pillow draws no dashes: walk the polyline and draw every other stretch, the pattern
    carried across corners as SVG's stroke-dasharray does."""
    position, period = 0.0, dash + gap
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        length = math.dist((x0, y0), (x1, y1))
        travelled = 0.0
        while travelled < length:
            phase = position % period
            step = min((dash - phase) if phase < dash else (period - phase), length - travelled)
            if phase < dash:
                start, end = travelled / length, (travelled + step) / length
                segment = ((x0 + (x1 - x0) * start, y0 + (y1 - y0) * start), (x0 + (x1 - x0) * end, y0 + (y1 - y0) * end))
                draw.line(_scaled(segment), fill=colour, width=max(1, round(width * SCALE)))
            travelled += step
            position += step
