"""The data-quality report: what a transaction log holds and what cleaning did with each row.

:func:`crmlab.transactions.validate` fills in ``findings``; :func:`crmlab.transactions.clean`
adds the fate of every row. The report renders as a table in a notebook
(``_repr_html_``) and as plain text (``str``), in English or, for a report made with
``lang="zh"``, in Chinese (the descriptions are catalogued in ``crmlab/locale``), and checks its
own bookkeeping: rows in = rows kept + rows dropped, summed over the reasons.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .i18n import check_lang, message, term

__all__ = ["CHECKS", "DROP_REASONS", "MODIFICATIONS", "DataQualityReport", "ReportNote"]


#: What :func:`validate` looks for, in the order the report lists it.
CHECKS: dict[str, str] = {
    "missing_customer": "customer id missing or blank",
    "missing_date": "date missing",
    "unparseable_date": "date cannot be parsed",
    "mixed_time_zone": "UTC offset differs from the most common one",
    "missing_amount": "amount (or quantity / price) missing",
    "non_numeric_amount": "amount (or quantity / price) is not a number",
    "non_finite_amount": "amount (or quantity / price, or their product) is infinite",
    "after_observation_end": "dated after the observation end",
    "after_today": "dated after today (dropped when no observation end is given)",
    "duplicate": "exact copy of an earlier row",
    "negative_price": "negative unit price (bad-debt adjustment)",
    "zero_value": "zero price or amount (free item or adjustment)",
    "cancellation": "cancellation invoice (number starts with 'C')",
    "negative_value": "negative quantity or amount outside a cancellation invoice (return or write-off)",
}

#: Why :func:`clean` drops a row; each dropped row has exactly one reason.
DROP_REASONS: dict[str, str] = {
    "missing_customer": CHECKS["missing_customer"],
    "missing_date": CHECKS["missing_date"],
    "unparseable_date": CHECKS["unparseable_date"],
    "missing_amount": CHECKS["missing_amount"],
    "non_numeric_amount": CHECKS["non_numeric_amount"],
    "non_finite_amount": CHECKS["non_finite_amount"],
    "after_observation_end": CHECKS["after_observation_end"],
    "after_today": "dated after today, with no observation end given",
    "duplicate": CHECKS["duplicate"],
    "negative_price": CHECKS["negative_price"],
    "zero_value": CHECKS["zero_value"],
    "cancellation": "cancellation or return (policy: drop)",
    "cancellation_netted": "cancellation netted against the customer's earlier purchases",
    "cancellation_unmatched": "cancellation with no earlier purchase to net against",
    "fully_cancelled": "purchase whose whole value was cancelled later",
}

#: Rows :func:`clean` keeps but changes.
MODIFICATIONS: dict[str, str] = {
    "reduced_by_cancellation": "purchase kept, reduced by a later partial cancellation",
}


class ReportNote(str):
    """A sentence of a report that can be read in both languages.

    It *is* its English text (a ``str``: it prints, compares and serialises as one), built from the message
    ``key`` of the locale catalogues and its ``values``; :meth:`text` gives it in another language.
    """

    def __new__(cls, key: str, **values):
        note = super().__new__(cls, message(key, "en", **values))
        note.key, note.values = key, values
        return note

    def __reduce__(self):
        return _report_note, (self.key, self.values)

    def text(self, lang: str = "en") -> str:
        """The note in ``lang``."""
        return message(self.key, lang, **self.values)


def _report_note(key: str, values: dict) -> ReportNote:
    return ReportNote(key, **values)


def _note_text(note: str, lang: str) -> str:
    """A note in ``lang``: a :class:`ReportNote` is translated; a plain string (the readers' notes) stays English."""
    return note.text(lang) if isinstance(note, ReportNote) else note


@dataclass(frozen=True)
class DataQualityReport:
    """What was found in a transaction log and, after :func:`clean`, what became of each row.

    ``findings`` counts rows per check; a row may show several problems, so these
    counts overlap. ``dropped`` (only after cleaning) counts rows per drop reason;
    these are exclusive, and ``rows_in == rows_kept + sum(dropped.values())``.
    ``dropped_rows`` maps the label of each dropped input row to its reason, so
    nothing is lost: ``raw.loc[report.dropped_rows.index]`` recovers them.
    ``lang`` ("en" or "zh") is the language the report is shown in; its data do not depend on it.
    """

    source: str
    rows_in: int
    customers_in: int
    findings: dict[str, int]
    rows_kept: int | None = None
    customers_kept: int | None = None
    dropped: dict[str, int] | None = None
    modified: dict[str, int] = field(default_factory=dict)
    policy: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    dropped_rows: pd.Series | None = field(default=None, repr=False)
    lang: str = field(default="en", compare=False)

    def __post_init__(self):
        check_lang(self.lang)
        if self.dropped is not None and self.rows_in != self.rows_kept + sum(self.dropped.values()):
            dropped = sum(self.dropped.values())  # an internal invariant, not a user error
            raise AssertionError(f"row accounting broken: {self.rows_in} in, {self.rows_kept} kept, {dropped} dropped")

    @property
    def cleaned(self) -> bool:
        """True for a report of :func:`clean`, False for one of :func:`validate`."""
        return self.dropped is not None

    def to_frame(self) -> pd.DataFrame:
        """The report as one table: what was found, what was dropped and why, what was kept."""
        records = [("found", key, CHECKS[key], n) for key, n in self.findings.items()]
        if self.cleaned:
            records += [("dropped", key, DROP_REASONS[key], n) for key, n in self.dropped.items() if n]
            records += [("modified", key, MODIFICATIONS[key], n) for key, n in self.modified.items() if n]
            records.append(("kept", "rows_kept", "rows kept for analysis", self.rows_kept))
        table = pd.DataFrame(records, columns=["section", "item", "description", "rows"])
        table["share"] = table["rows"] / max(self.rows_in, 1)
        return table.set_index(["section", "item"])

    def dropped_by_reason(self) -> pd.Series:
        """Rows dropped per reason (non-zero reasons only), largest first."""
        if not self.cleaned:
            raise ValueError("this report comes from validate(), which drops nothing; use clean() to apply a policy")
        counts = pd.Series(self.dropped, name="rows", dtype="int64")
        return counts[counts > 0].sort_values(ascending=False)

    def reasons(self) -> str:
        """The drop reasons in one line, largest first: ``"missing_date 120, duplicate 3"``."""
        return ", ".join(f"{reason} {n:,}" for reason, n in self.dropped_by_reason().items()) or "none"

    def _headline(self) -> str:
        if self.lang == "en":
            source = self.source
        else:  # the readers label a log "orders.csv (1,234 rows)"; the headline says the size in the reader's words
            source = re.sub(r" \([\d,]+ rows\)$", "", self.source)
        head = message("quality_headline", self.lang, source=source, rows=self.rows_in, customers=self.customers_in)
        if self.cleaned:
            head += message("quality_headline_kept", self.lang, kept=self.rows_kept,
                            share=self.rows_kept / max(self.rows_in, 1), customers=self.customers_kept)
        return head

    def _shown(self) -> pd.DataFrame:
        """:meth:`to_frame` with its sections, descriptions and headers in the report's language."""
        table = self.to_frame().reset_index()
        table["section"] = table["section"].map(lambda section: term(section, self.lang))
        table["description"] = table["description"].map(lambda description: term(description, self.lang))
        headers = {"section": message("quality_section_header", self.lang)}
        return table.rename(columns=lambda column: headers.get(column) or term(column, self.lang))

    def _policy(self, code: str = "{}") -> str:
        """The cleaning policy in one line, each setting written as ``code`` (a format with one field)."""
        settings = ", ".join(code.format(f"{k}={v!r}") for k, v in self.policy.items())
        return message("quality_policy", self.lang, policy=settings)

    def __str__(self) -> str:
        table = self._shown()
        rows, share = term("rows", self.lang), term("share", self.lang)
        table[rows] = table[rows].map("{:,}".format)
        table[share] = table[share].map("{:.2%}".format)
        lines = [self._headline(), table.to_string(index=False)]
        if self.policy:
            lines.append(self._policy())
        lines += [message("quality_note", self.lang, note=_note_text(note, self.lang)) for note in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        table = self._shown()
        index = list(table.columns[:2])
        shown = table.set_index(index).style.format({term("rows", self.lang): "{:,}",
                                                     term("share", self.lang): "{:.2%}"})
        extra = "".join(f"<li>{html.escape(_note_text(note, self.lang))}</li>" for note in self.notes)
        policy = self._policy("<code>{}</code>") if self.policy else ""
        return (f"<p><b>{html.escape(self._headline())}</b></p>{shown.to_html()}"
                + (f"<p>{policy}</p>" if policy else "") + (f"<ul>{extra}</ul>" if extra else ""))
