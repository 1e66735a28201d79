"""The digest's chart: 12 weeks of CSAT % and SLA met % (first response and resolution)
against the good and outstanding bands, as one PNG.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, so no global figure state
and no display), on an opaque light background with dark text and colour-blind-safe lines,
so it reads the same in Slack's and Teams' light and dark themes. 800 x 400 pixels at 100 dpi
stay far under the 150 KB budget (about 35 KB; the tests check the bound). A week without
data is a gap in its line; with no data in any week there is no chart (None), never an empty
one.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, DPI = 8, 4, 100
MAX_BYTES = 150 * 1024
BACKGROUND, TEXT, GRID = "#ffffff", "#1d1c1d", "#d9d9d9"
GOOD_BAND, OUTSTANDING_BAND = "#fdf2c4", "#d6f0d8"
LINES = {"csat": ("#0072B2", "o", "-", 3.5, 3), "response": ("#E69F00", "s", "--", 2, 4),
         "resolution": ("#009E73", "^", ":", 2, 5)}
"""Okabe-Ito colours, told apart by marker and dash too: the dashed and dotted lines lie on
the wider solid one, so lines that coincide all stay visible."""


@dataclass(frozen=True)
class Series:
    weeks: Sequence[str]
    """The label under each week (its first day, 12 Oct)."""
    values: Mapping[str, Sequence[float | None]]
    """csat, response and resolution, a value or None per week."""
    good: float
    outstanding: float


def draw(series: Series, labels: Mapping[str, str]) -> bytes | None:
    """The PNG, or None when no week has any figure. `labels` holds the words (title, one
    per line, the bands), rendered from the digest's templates."""
    if not any(value is not None for values in series.values.values() for value in values):
        return None
    # Imported here: only a digest draws, and matplotlib takes a while to import.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, facecolor=BACKGROUND)
    axes = figure.add_subplot()
    axes.set_facecolor(BACKGROUND)
    x = list(range(len(series.weeks)))
    axes.axhspan(series.good, series.outstanding, color=GOOD_BAND, zorder=0,
                 label=labels["good_band"])
    axes.axhspan(series.outstanding, 100, color=OUTSTANDING_BAND, zorder=0,
                 label=labels["outstanding_band"])
    for name, values in series.values.items():
        colour, marker, dashes, width, layer = LINES[name]
        ys = [float("nan") if value is None else value for value in values]
        axes.plot(x, ys, color=colour, marker=marker, linestyle=dashes, linewidth=width,
                  markersize=5, label=labels[name], zorder=layer)
    lowest = min((v for values in series.values.values() for v in values if v is not None),
                 default=series.good)
    axes.set_ylim(max(0, min(lowest, series.good) - 10), 101)
    axes.set_xticks(x, list(series.weeks), fontsize=8, color=TEXT)
    axes.tick_params(axis="y", labelsize=8, colors=TEXT)
    axes.set_ylabel("%", color=TEXT)
    axes.set_title(labels["title"], color=TEXT, fontsize=11)
    axes.grid(axis="y", color=GRID, linewidth=0.6)
    for spine in axes.spines.values():
        spine.set_color(GRID)
    legend = axes.legend(loc="lower left", fontsize=8, ncols=3, frameon=True)
    legend.get_frame().set_facecolor(BACKGROUND)
    for text in legend.get_texts():
        text.set_color(TEXT)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", facecolor=BACKGROUND)
    png = out.getvalue()
    if len(png) > MAX_BYTES:
        raise ValueError(f"digest chart is {len(png):,} bytes, over {MAX_BYTES:,}")
    return png
