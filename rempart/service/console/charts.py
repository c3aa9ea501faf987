"""Charts drawn on the server: SVG geometry for the page, PNG (matplotlib, Agg) and CSV for export.

No chart library runs in the browser: the page receives finished shapes (rectangles and labels, in
a template macro), which also keeps the Content-Security-Policy strict.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from rempart.service.console import i18n
from rempart.service.console.dashboard import Chart

WIDTH = 560
WIDE = 1160.0  # the per-day chart spans the page
BAR_HEIGHT = 22
COLUMN_HEIGHT = 200
# The same palette as console.css (series classes s0, s1, s2) for the PNG export.
PALETTE = ("#4c8c6c", "#d9a13b", "#c8473d")
BAR_COLOUR = "#3d6a9e"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    series: int
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    rects: list[Rect]
    labels: list[Label]
    gridlines: list[Label]  # y (or x) positions with their tick text
    kind: str


def _scale(value: float) -> tuple[float, float]:
    """(top, step): a round upper bound and tick step, at most 5 ticks, whole numbers (counts)."""
    if value <= 0:
        return 1.0, 1.0
    raw = max(1.0, value / 4)
    exponent = 10 ** math.floor(math.log10(raw))
    step = next(m * exponent for m in (1, 2, 5, 10) if m * exponent >= raw)
    return step * math.ceil(value / step), step


def _ticks(top: float, step: float) -> list[float]:
    return [step * i for i in range(round(top / step) + 1)]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def draw(chart: Chart, lang: str) -> Drawing:
    return _columns(chart, lang) if chart.kind == "columns" else _bars(chart)


def _bars(chart: Chart) -> Drawing:
    label_w, value_w = 200.0, 40.0
    plot_w = WIDTH - label_w - value_w
    top, _step = _scale(max((sum(v) for _l, v in chart.rows), default=0))
    rects: list[Rect] = []
    labels: list[Label] = []
    for i, (label, values) in enumerate(chart.rows):
        y = 8 + i * (BAR_HEIGHT + 8)
        hover = f"{label} ({chart.ids[i]})" if i < len(chart.ids) and chart.ids[i] != label else label
        x = label_w
        for s, value in enumerate(values):
            w = plot_w * value / top
            if w > 0:
                rects.append(Rect(x, y, w, BAR_HEIGHT, s, f"{hover}: {_fmt(value)}"))
            x += w
        short = label if len(label) <= 30 else label[:29] + "…"
        labels.append(Label(label_w - 8, y + BAR_HEIGHT * 0.7, short, "end"))
        labels.append(Label(x + 6, y + BAR_HEIGHT * 0.7, _fmt(sum(values))))
    height = 16 + max(1, len(chart.rows)) * (BAR_HEIGHT + 8)
    return Drawing(WIDTH, int(height), rects, labels, [], "bars")


def _columns(chart: Chart, lang: str) -> Drawing:
    width_px, left, bottom, top_pad = WIDE, 36.0, 26.0, 10.0
    n = max(1, len(chart.rows))
    plot_w = width_px - left - 8
    slot = plot_w / n
    width = max(2.0, slot * 0.72)
    top, step = _scale(max((sum(v) for _l, v in chart.rows), default=0))
    rects: list[Rect] = []
    labels: list[Label] = []
    every = max(1, math.ceil(n / 12))
    for i, (label, values) in enumerate(chart.rows):
        x = left + i * slot + (slot - width) / 2
        y = top_pad + COLUMN_HEIGHT
        for s, value in enumerate(values):
            h = COLUMN_HEIGHT * value / top
            if h > 0:
                y -= h
                rects.append(Rect(x, y, width, h, s, f"{i18n.day(lang, label)} — {chart.series_labels[s]}: "
                                                      f"{_fmt(value)}"))
        if (n - 1 - i) % every == 0:  # count back from the last day, so today is always labelled
            labels.append(Label(x + width / 2, top_pad + COLUMN_HEIGHT + 16, i18n.day(lang, label), "middle"))
    grid = [Label(left - 6, top_pad + COLUMN_HEIGHT - COLUMN_HEIGHT * v / top, _fmt(v), "end")
            for v in _ticks(top, step)]
    return Drawing(int(width_px), int(top_pad + COLUMN_HEIGHT + bottom), rects, labels, grid, "columns")


def to_csv(chart: Chart) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(chart.columns or ["label", *chart.series])
    for i, (label, values) in enumerate(chart.rows):
        ids = [chart.ids[i]] if i < len(chart.ids) else []
        writer.writerow([*ids, label, *(_fmt(v) for v in values)])
    return out.getvalue()


def to_png(chart: Chart, title: str, lang: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    labels = [i18n.day(lang, label) if chart.kind == "columns" else label for label, _v in chart.rows]
    if chart.kind == "columns":
        bottoms = [0.0] * len(chart.rows)
        for s, name in enumerate(chart.series_labels):
            values = [v[s] for _l, v in chart.rows]
            ax.bar(range(len(values)), values, bottom=bottoms, color=PALETTE[s % len(PALETTE)], label=name)
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        every = max(1, math.ceil(len(labels) / 10))
        ax.set_xticks(range(0, len(labels), every), labels[::every])
        ax.legend(frameon=False)
    else:
        values = [v[0] for _l, v in chart.rows]
        positions = list(range(len(values)))[::-1]
        ax.barh(positions, values, color=BAR_COLOUR)
        ax.set_yticks(positions, [lb if len(lb) <= 40 else lb[:39] + "…" for lb in labels])
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
