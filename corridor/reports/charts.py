"""Charts as SVG drawn on the server by pygal, with no script and nothing from elsewhere.

pygal (decision 0029) is small and kept up, draws titles, axis titles and legends itself,
and renders to an element tree: its configuration script (written even with `js=[]`) and its
comments are taken out of the tree before it is serialised, so the file holds shapes, text
and one stylesheet only. The page shows the same numbers as a table beside the image (T8:
no request leaves the origin; the SVG is served from this origin with a policy of its own).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

STYLE = Style(
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d232a",
    foreground_strong="#1d232a",
    foreground_subtle="#5b6570",
    # Distinguishable for the common colour blindnesses (Okabe and Ito), then greys
    colors=(
        "#0072B2",
        "#E69F00",
        "#009E73",
        "#D55E00",
        "#CC79A7",
        "#56B4E9",
        "#F0E442",
        "#000000",
        "#777777",
        "#AAAAAA",
        "#444444",
    ),  # fmt: skip
    title_font_size=18,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
)

KINDS = {"bar": pygal.Bar, "stacked": pygal.StackedBar, "line": pygal.Line}


@dataclass
class Chart:
    """What is drawn and what the table beside it shows: rows are `labels`, columns series."""

    title: str
    x_title: str
    y_title: str
    labels: list[str]
    series: list[tuple[str, list[float | int | None]]] = field(default_factory=list)
    kind: str = "bar"

    def rows(self) -> list[tuple[str, list[float | int | None]]]:
        return [
            (label, [values[index] for _name, values in self.series])
            for index, label in enumerate(self.labels)
        ]


def chart_svg(chart: Chart) -> bytes:
    """The chart as a standalone SVG document: no script, no comment, no link."""
    drawing = KINDS[chart.kind](
        js=[],
        disable_xml_declaration=True,
        title=chart.title,
        x_title=chart.x_title,
        y_title=chart.y_title,
        style=STYLE,
        show_legend=len(chart.series) > 1,
        legend_at_bottom=True,
        x_label_rotation=30 if len(chart.labels) > 6 else 0,
        show_minor_x_labels=len(chart.labels) <= 24,
        x_labels_major_every=max(len(chart.labels) // 12, 1),
        width=800,
        height=450,
        truncate_legend=40,
        truncate_label=-1,
        no_data_text=_("No data"),
        min_scale=1,
        print_values=False,
        explicit_size=True,  # width and height on the root, so an <img> knows its size
    )
    drawing.x_labels = chart.labels
    for name, values in chart.series:
        drawing.add(name, values)
    tree = drawing.render_tree()
    _strip(tree)
    body = ET.tostring(tree, encoding="unicode", xml_declaration=False)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def _strip(tree: ET.Element) -> None:
    """Remove every script element and every attribute pointing anywhere (href, xlink:href)."""
    for parent in list(tree.iter()):
        for child in list(parent):
            if (
                isinstance(child.tag, str)
                and child.tag.rsplit("}", 1)[-1] == "script"
                or not isinstance(child.tag, str)
            ):
                parent.remove(child)
        for name in list(parent.attrib):
            if name.rsplit("}", 1)[-1] == "href":
                del parent.attrib[name]
