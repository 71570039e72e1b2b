"""Geometry for small server-rendered SVG bar charts (no JavaScript, no chart CDN)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float
    href: str | None = None


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]
    max_value: float


def bar_chart(
    items: Sequence[tuple[str, float, str | None]],
    *,
    width: int = 640,
    height: int = 180,
    pad_top: int = 16,
    pad_bottom: int = 24,
    gap: float = 0.25,
) -> Chart:
    """Vertical bars for (label, value, link) items, scaled to the largest value."""
    n = max(len(items), 1)
    top = max((v for _l, v, _h in items), default=0) or 1
    slot = width / n
    bar_w = slot * (1 - gap)
    plot = height - pad_top - pad_bottom
    baseline = height - pad_bottom
    bars = []
    for i, (label, value, href) in enumerate(items):
        h = plot * (value / top)
        bars.append(
            Bar(
                label=label,
                value=value,
                x=round(i * slot + (slot - bar_w) / 2, 1),
                y=round(baseline - h, 1),
                width=round(bar_w, 1),
                height=round(h, 1),
                href=href,
            )
        )
    return Chart(width, height, baseline, tuple(bars), top)
