"""Grouped bar charts for the statistics: QtCharts when it is there, else bars drawn with QPainter."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QMargins, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

COLOURS = ["#3b82f6", "#16a34a", "#f59e0b", "#db2777"]

try:
    from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
    HAVE_QTCHARTS = True
except ImportError:       # PySide6 without its Addons
    HAVE_QTCHARTS = False


def bar_chart(title: str, categories: list[str], series: dict[str, list[float]]) -> QWidget:
    """Bars of each series per category, with a legend; an empty chart says so."""
    if HAVE_QTCHARTS:
        return _qtchart(title, categories, series)
    return PainterBars(title, categories, series)


def _qtchart(title: str, categories: list[str], series: dict[str, list[float]]) -> QWidget:
    chart = QChart()
    chart.setTitle(title)
    chart.setAnimationOptions(QChart.NoAnimation)
    chart.legend().setAlignment(Qt.AlignBottom)
    bars = QBarSeries()
    for i, (name, values) in enumerate(series.items()):
        s = QBarSet(name)
        s.setColor(QColor(COLOURS[i % len(COLOURS)]))
        s.append([float(v) for v in values])
        bars.append(s)
    chart.addSeries(bars)
    x = QBarCategoryAxis()
    x.append(categories or [""])
    chart.addAxis(x, Qt.AlignBottom)
    bars.attachAxis(x)
    y = QValueAxis()
    top = max([v for values in series.values() for v in values] or [0])
    y.setRange(0, max(1.0, top * 1.15))
    y.applyNiceNumbers()
    y.setLabelFormat("%g")
    chart.addAxis(y, Qt.AlignLeft)
    bars.attachAxis(y)
    chart.setMargins(QMargins(4, 4, 4, 4))
    view = QChartView(chart)
    view.setRenderHint(QPainter.Antialiasing)
    view.setMinimumHeight(220)
    view.chart_data = {"categories": categories, "series": series}     # what it shows (tests read it)
    return view


class PainterBars(QWidget):
    def __init__(self, title: str, categories: list[str], series: dict[str, list[float]]) -> None:
        super().__init__()
        self.title, self.categories, self.series = title, categories, series
        self.chart_data = {"categories": categories, "series": series}
        self.setMinimumHeight(220)

    def paintEvent(self, _event: Any) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        p.drawText(QRectF(0, 4, self.width(), 20), Qt.AlignCenter, self.title)
        area = QRectF(40, 30, self.width() - 50, self.height() - 70)
        top = max([v for values in self.series.values() for v in values] or [0]) or 1.0
        n, k = max(1, len(self.categories)), max(1, len(self.series))
        group = area.width() / n
        bar = group * 0.8 / k
        for c, label in enumerate(self.categories):
            for s, values in enumerate(self.series.values()):
                h = area.height() * (values[c] / top)
                p.fillRect(QRectF(area.left() + c * group + group * 0.1 + s * bar, area.bottom() - h, bar - 2, h),
                           QColor(COLOURS[s % len(COLOURS)]))
            p.drawText(QRectF(area.left() + c * group, area.bottom() + 4, group, 18), Qt.AlignCenter, label)
        x = area.left()
        for s, name in enumerate(self.series):
            p.fillRect(QRectF(x, self.height() - 18, 10, 10), QColor(COLOURS[s % len(COLOURS)]))
            p.drawText(QRectF(x + 14, self.height() - 22, 160, 18), Qt.AlignLeft | Qt.AlignVCenter, name)
            x += 170
        p.end()
