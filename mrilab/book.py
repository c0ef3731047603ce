"""What a chapter puts on its page besides figures: numbers glued into the text, and result tables.

* :func:`keep` glues a number that the prose quotes (myst-nb's ``glue``, formatted in the text by
  ``{glue:text}`name:.2f```), so that no number is typed by hand;
* :func:`table` renders results as an HTML table that the page shows whole (a wide ``print`` is
  clipped by the page's width).
"""

from __future__ import annotations

import html
from typing import Any, Sequence

import numpy as np

__all__ = ["keep", "table"]


def keep(name: str, value: Any) -> None:
    """Glue ``value`` under ``name`` for the text (not displayed; returns nothing, so a cell that ends with it
    prints nothing).

    Numbers are glued as Python floats (myst-nb formats those), anything else as it is.
    """
    from myst_nb import glue

    if isinstance(value, (bool, np.bool_)):
        glued: Any = bool(value)
    elif isinstance(value, (int, float, np.integer, np.floating)) or (isinstance(value, np.ndarray) and value.size == 1):
        glued = float(np.asarray(value).item())
    else:
        glued = value
    glue(name, glued, display=False)


#: Room between the columns (inline, so the table reads the same in the book, in Jupyter and on GitHub).
_PAD = "padding: 0.2em 0.75em"


def _cell(value: Any, fmt: str) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else format(float(value), fmt)
    return html.escape(str(value))


def table(rows: Sequence[Sequence[Any]], columns: Sequence[str], *, caption: str | None = None,
          formats: dict[str, str] | None = None, default_format: str = ".2f", bold: dict[str, str] | None = None):
    """An HTML table of ``rows`` under ``columns``, shown whole on the page.

    Parameters
    ----------
    rows : sequence of rows, each a sequence of values (strings, numbers)
    columns : the column headings
    caption : str, keyword-only
    formats : dict column -> format spec, keyword-only
        How numbers of that column are written (``default_format`` otherwise).
    bold : dict column -> ``"max"`` or ``"min"``, keyword-only
        Set the best number of the column in bold.

    Returns
    -------
    IPython.display.HTML
    """
    from IPython.display import HTML

    rows = [list(r) for r in rows]
    if any(len(r) != len(columns) for r in rows):
        raise ValueError(f"every row must have {len(columns)} values (one per column), got lengths "
                         f"{sorted({len(r) for r in rows})}")
    formats = formats or {}
    best = {}
    for col, how in (bold or {}).items():
        j = list(columns).index(col)
        vals = [r[j] for r in rows if isinstance(r[j], (float, int, np.floating, np.integer)) and np.isfinite(r[j])]
        if vals:
            best[j] = max(vals) if how == "max" else min(vals)
    head = "".join(f'<th style="{_PAD}">{html.escape(c)}</th>' for c in columns)
    body = []
    for r in rows:
        cells = []
        for j, v in enumerate(r):
            text = _cell(v, formats.get(columns[j], default_format))
            if j in best and isinstance(v, (float, int, np.floating, np.integer)) and v == best[j]:
                text = f"<b>{text}</b>"
            cells.append(f'<td style="{_PAD}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return HTML(f'<table class="mrilab-results">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')
