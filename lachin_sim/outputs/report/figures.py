"""Figures inside the page: a matplotlib Figure as a base64 PNG data URI (no file beside the
page, nothing fetched when it is opened), with the alt text and caption the template writes."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass

REPORT_DPI = 96  # px per inch: an 11-inch figure is ~1,060 px wide, sharp on screen and in print


@dataclass(frozen=True)
class Embedded:
    """A figure ready for an ``<img>``: ``kind`` names the template text that describes it
    (alt text and caption), ``facts`` are the numbers that text uses."""

    kind: str
    src: str  # data:image/png;base64,...
    facts: dict


def png_data_uri(fig, dpi: int = REPORT_DPI) -> str:
    """The figure as ``data:image/png;base64,...``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def embed(kind: str, build: Callable[[], object], **facts: object) -> Embedded:
    """Draw a figure with ``build()`` and embed it."""
    return Embedded(kind=kind, src=png_data_uri(build()), facts=facts)
