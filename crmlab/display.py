"""Tables and sentences as a reader should see them, in the reader's language.

Notebooks show results through two functions, so that both editions of the course share their code:

* :func:`table` — a DataFrame (or Series) with its labels translated (:mod:`crmlab.i18n`) and its
  numbers formatted for reading: shares as percentages, money and counts with thousands separators
  and no trailing ``.0``, text left-aligned. It renders as HTML in Jupyter and as aligned text
  elsewhere; both are deterministic, so notebook tests can check them.
* :func:`note` — a sentence computed from the data (a message template of :mod:`crmlab.i18n`),
  rendered as Markdown.

Which columns are shares, money or counts is said explicitly (``percent=``, ``money=``,
``integer=``) or inferred from the data: columns named ``*share*``, ``*rate*`` or ``p_*`` whose
values lie in [0, 1] are shares, whole-number columns are counts, other numbers get ``decimals``;
id columns (``customer_id``, ``*_id``, ``invoice``) are labels and are shown as they are.
"""

from __future__ import annotations

import html
import numbers

import numpy as np
import pandas as pd

from .i18n import check_lang, message, translate

__all__ = ["FormattedTable", "Note", "table", "note"]

_SHARE_WORDS = ("share", "rate", "proportion", "percent")


class FormattedTable:
    """Display strings of a table, with a text and an HTML rendering (see :func:`table`)."""

    def __init__(self, strings: pd.DataFrame, numeric: list, caption: str | None = None):
        self.strings = strings
        self.numeric = numeric
        self.caption = caption

    def __repr__(self) -> str:
        text = self.strings.to_string()
        return f"{self.caption}\n{text}" if self.caption else text

    def _repr_html_(self) -> str:
        body = self.strings.to_html(escape=True, border=0, classes="crmlab-table")
        # table.crmlab-table outranks JupyterLab's ".jp-RenderedHTMLCommon td" (which right-aligns every cell)
        styles = "".join(f"table.crmlab-table td:nth-child({position + 2}) {{text-align: right;}}"
                         for position, column in enumerate(self.strings.columns) if column in self.numeric)
        css = ("table.crmlab-table {border-collapse: collapse;} table.crmlab-table td, table.crmlab-table th "
               "{text-align: left; padding: 2px 8px;} " + styles)
        caption = f"<p><b>{html.escape(self.caption)}</b></p>" if self.caption else ""
        return f"<style>{css}</style>{caption}{body}"


class Note:
    """A sentence that renders as Markdown in Jupyter and as plain text elsewhere."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text


def _is_share(name, values: pd.Series) -> bool:
    label = str(name).lower()
    in_unit_interval = values.dropna().between(0, 1).all() if len(values.dropna()) else False
    return in_unit_interval and (label.startswith("p_") or any(word in label for word in _SHARE_WORDS))


def _is_identifier(name) -> bool:
    """Columns of ids (``customer_id``, ``invoice``, ``*_id``) hold labels, not quantities."""
    label = str(name).lower()
    return label in ("id", "customer", "invoice", "customer_id") or label.endswith("_id")


def _formatter(kind: str, decimals: int):
    if kind == "percent":
        return lambda v: f"{v:.1%}"
    if kind == "money":
        return lambda v: f"{v:,.2f}" if abs(v) < 1e4 else f"{v:,.0f}"
    if kind == "integer":
        return lambda v: f"{v:,.0f}"
    return lambda v: f"{v:,.{decimals}f}"


def table(data, lang: str = "en", *, percent=(), money=(), integer=(), number=(), decimals: int = 2,
          caption: str | None = None, verbatim=()) -> FormattedTable:
    """``data`` ready to read: labels in ``lang``, numbers formatted (see the module docstring).

    Parameters
    ----------
    data : DataFrame or Series
    lang : {"en", "zh"}
    percent, money, integer, number : column names (English, as in ``data``) to format as shares (12.5%), money
        (1,234.50; 12,345 from ten thousand up), whole numbers (1,234) or plain numbers with ``decimals``
        (p-values, which would otherwise read as shares); others are inferred.
    decimals : int
        Decimals of the remaining numbers.
    caption : str, optional
        A title above the table (give it in ``lang``, e.g. from :func:`crmlab.i18n.message`).
    verbatim : column names whose values are shown as they are, never translated (names, terms of the other
        language); their headers are translated like the others.
    """
    check_lang(lang)
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"table shows a DataFrame or Series, not {type(data).__name__}")
    unknown = [c for c in (*percent, *money, *integer, *number, *verbatim) if c not in frame.columns]
    if unknown:
        raise ValueError(f"columns {unknown} are not in the table (its columns: {list(frame.columns)})")
    strings = pd.DataFrame(index=frame.index)
    numeric = []
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            strings[column] = values.astype(object).where(values.notna(), "").astype(str)
            continue
        if _is_identifier(column):  # customer 12347 is not a quantity: no thousands separator
            strings[column] = [str(int(v)) if float(v).is_integer() else str(v) if pd.notna(v) else "" for v in values]
            continue
        if column in number:
            kind = "number"
        elif column in percent or (column not in money and column not in integer and _is_share(column, values)):
            kind = "percent"
        elif column in money:
            kind = "money"
        elif column in integer or (values.dropna() == np.floor(values.dropna())).all():
            kind = "integer"
        else:
            kind = "number"
        show = _formatter(kind, decimals)
        strings[column] = [show(v) if isinstance(v, numbers.Real) and np.isfinite(v) else "" if pd.isna(v)
                           else str(v) for v in values]
        numeric.append(column)
    translated = translate(strings, lang)
    for column in verbatim:
        translated.isetitem(list(frame.columns).index(column), strings[column].to_numpy())
    positions = [list(frame.columns).index(c) for c in numeric]
    return FormattedTable(translated, [translated.columns[p] for p in positions], caption)


def note(key: str, lang: str = "en", **values) -> Note:
    """The sentence ``key`` of the message catalogues in ``lang``, filled with ``values`` (see :mod:`crmlab.i18n`)."""
    return Note(message(key, lang, **values))
