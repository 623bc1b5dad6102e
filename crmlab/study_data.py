"""The transaction log a notebook studies: the bundled data, or the analyst's own file — read one way everywhere.

Every analysis notebook that works on a transaction log declares the same parameters and passes them here:

``transactions_path``
    The analyst's file (CSV/TXT/TSV, Parquet, Excel); None studies the notebook's bundled data
    (``bundled``: the UCI Online Retail log, or the CDNOW log of Fader, Hardie & Lee 2005).
``columns``
    The file's column names by role (``{"customer": "客户编号", "date": "订单日期", "amount": "金额"}``),
    as :meth:`crmlab.transactions.ColumnMap.from_roles` reads them.
``encoding``, ``date_format``
    How the file is written; None detects them (rules in :mod:`crmlab.reading` and :mod:`crmlab.dates`:
    day-first dates such as ``02/10/2023`` are never read month-first by guess).
``dataset_label``
    The name the notebook's titles and tables give the data (default: the file's name, or the bundled
    data set's).

:func:`load_study_log` returns a :class:`StudyLog`; :meth:`StudyLog.clean` applies
:func:`crmlab.transactions.clean` (every dropped row counted in the report) and :func:`study_periods`
turns ``calibration_end`` / ``observation_end`` / ``holdout_length`` into the dates of a calibration/holdout
split. Text, cells and conclusions that describe the bundled data are tagged ``bundled-data`` in the
notebooks; a study on the analyst's file runs the notebooks without them and without the exercises, which are
set on the bundled data (:func:`without_bundled_cells`, called by :mod:`crmlab.studies`). A notebook opened by
hand with ``transactions_path`` set runs every cell: use ``crmlab study run`` for a report on your own data.

``crmlab study new`` proposes the parameters for a file: :func:`propose_columns` from its header (English and
Chinese names, :data:`ROLE_NAMES`) and :func:`propose_date_format` from its dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import ObservationPeriodError
from .transactions import _READ, ONLINE_RETAIL, ColumnMap, clean, read_transactions

__all__ = ["BUNDLED", "BUNDLED_TAG", "ROLE_NAMES", "StudyLog", "load_study_log", "propose_columns",
           "propose_date_format", "study_periods", "without_bundled_cells"]

#: The bundled logs a notebook can study: name -> (label, default calibration end, default observation end).
BUNDLED = {
    "online_retail": ("Online Retail", None, "2011-12-09"),
    "cdnow": ("CDNOW", "1997-09-30", "1998-06-30"),
}
#: Cell tag of notebook cells (text or code) that describe the bundled data; removed for an analyst's file.
BUNDLED_TAG = "bundled-data"
_EXERCISES = re.compile(r"\s*## (Exercises|练习)")


@dataclass(frozen=True)
class StudyLog:
    """A raw transaction log, its column map, the name shown for it, and which bundled log it is (None: the
    analyst's own file)."""

    raw: pd.DataFrame
    columns: ColumnMap
    label: str
    bundled: str | None

    @property
    def own(self) -> bool:
        """Whether this is the analyst's file rather than the lab's bundled data."""
        return self.bundled is None

    @property
    def attributes(self) -> tuple[str, ...]:
        """Customer attributes the log carries for :func:`crmlab.single_customer_view` (Online Retail: Country)."""
        return ("Country",) if self.bundled == "online_retail" else ()

    def span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last date of the raw log, its dates read by the rules of :mod:`crmlab.dates` (unreadable
        dates are left out here and counted by :func:`crmlab.transactions.validate`)."""
        from .dates import parse_dates

        read = self.raw.attrs.get(_READ, {})
        dates = parse_dates(self.raw[self.columns.date], self.columns.date, self.label,
                            date_format=read.get("date_format"), mixed_time_zones="utc").dates
        return dates.min(), dates.max()

    def heading(self, log: pd.DataFrame, report, lang: str = "en"):
        """A sentence naming the data and what cleaning kept of it (a :class:`crmlab.display.Note`)."""
        from .display import note
        from .i18n import term
        from .quality import DROP_REASONS

        dropped = report.dropped_by_reason()
        reasons = ", ".join(f"{term(DROP_REASONS[reason], lang)} {n:,}" for reason, n in dropped.items())
        return note("study_data_heading", lang, label=self.label, rows=report.rows_in, kept=report.rows_kept,
                    customers=report.customers_kept, start=log["date"].min(), end=log["date"].max(),
                    dropped=int(dropped.sum()), reasons=reasons or term("none", lang))

    def clean(self, **policy):
        """:func:`crmlab.transactions.clean` of the log with ``policy`` (observation_end, cancellations, lang, …).

        The published CDNOW file is already clean, and its identical lines (21 in the sample) are separate
        purchases that the papers' summaries count, so they are kept (``duplicates="keep"``) unless ``policy``
        says otherwise.
        """
        if self.bundled == "cdnow":
            policy = {"duplicates": "keep", **policy}
        return clean(self.raw, self.columns, **policy)


def load_study_log(transactions_path: str | Path | None = None, columns: dict | None = None, *,
                   encoding: str | None = None, date_format: str | None = None, dataset_label: str | None = None,
                   bundled: str = "online_retail", cdnow_kind: str = "sample") -> StudyLog:
    """The log a notebook studies, from its parameters (see the module docstring).

    Parameters
    ----------
    transactions_path, columns, encoding, date_format, dataset_label
        The notebook's parameters of the same names.
    bundled : {"online_retail", "cdnow"}
        What the notebook studies when ``transactions_path`` is None.
    cdnow_kind : {"sample", "master"}
        Which CDNOW log (:func:`crmlab.datasets.load_cdnow`).

    Raises
    ------
    crmlab errors of :func:`crmlab.transactions.read_transactions` for a file that cannot be read with the
    column map (missing or repeated columns, unknown encoding, ...).
    """
    from . import datasets

    if transactions_path is None:
        if bundled not in BUNDLED:
            raise ValueError(f"bundled must be one of {sorted(BUNDLED)}, got {bundled!r}")
        if bundled == "cdnow":
            raw, column_map = datasets.load_cdnow(cdnow_kind), ColumnMap()
        else:
            raw, column_map = datasets.load_online_retail(), ONLINE_RETAIL
        return StudyLog(raw, column_map, dataset_label or BUNDLED[bundled][0], bundled)
    if columns is not None and not isinstance(columns, dict):
        raise TypeError(f"columns maps roles to column names, e.g. {{'customer': 'client'}}, got {columns!r}")
    column_map = ColumnMap.from_roles(columns or {})
    raw = read_transactions(transactions_path, column_map, encoding=encoding, date_format=date_format)
    return StudyLog(raw, column_map, dataset_label or Path(transactions_path).name, None)


def study_periods(data: StudyLog, log: pd.DataFrame, *, calibration_end=None, observation_end=None,
                  holdout_length: float | None = None, time_unit: str = "W") -> tuple[pd.Timestamp, pd.Timestamp]:
    """(calibration end, observation end) of a calibration/holdout split of the clean ``log`` of ``data``.

    ``observation_end`` defaults to the bundled data's published end (CDNOW: 1998-06-30) or to the last day of
    the analyst's log. ``calibration_end`` defaults to ``observation_end`` minus ``holdout_length`` units of
    ``time_unit`` ("D", "W" or "M" = 365.2425/12 days); without a holdout length, to the bundled data's (CDNOW:
    1997-09-30, the 39 + 39 weeks of Fader, Hardie & Lee 2005), else to the middle of the log's span (the
    papers' equal halves).

    Raises
    ------
    ObservationPeriodError
        When calibration does not end strictly inside the log's span before ``observation_end``.
    """
    from .units import days_per

    _, default_calibration, default_end = BUNDLED.get(data.bundled, (None, None, None))
    first, last = log["date"].min().normalize(), log["date"].max().normalize()
    end = pd.Timestamp(observation_end or default_end or last).normalize()
    if calibration_end is not None or (holdout_length is None and default_calibration is not None):
        calibration = pd.Timestamp(calibration_end or default_calibration).normalize()
    elif holdout_length is not None:
        if isinstance(holdout_length, bool) or not isinstance(holdout_length, int | float) or holdout_length <= 0:
            raise ObservationPeriodError(f"holdout_length is a positive number of {time_unit!r} units, got "
                                         f"{holdout_length!r}")
        calibration = (end - pd.Timedelta(days=float(holdout_length) * days_per(time_unit))).normalize()
    else:
        calibration = (first + (end - first) / 2).normalize()
    if not first < calibration < end:
        raise ObservationPeriodError(
            f"the calibration period of {data.label} must end after its first purchase ({first:%Y-%m-%d}) and before "
            f"the observation end ({end:%Y-%m-%d}), got {calibration:%Y-%m-%d}; set calibration_end (a date) or a "
            f"shorter holdout_length (in {time_unit!r} units)")
    return calibration, end


def without_bundled_cells(notebook):
    """A copy of the notebook node for a study on the analyst's file: without the cells tagged :data:`BUNDLED_TAG`
    and without the exercises (from the ``## Exercises`` / ``## 练习`` heading on), which are set on the bundled data.
    """
    import copy

    trimmed = copy.deepcopy(notebook)
    exercises = next((position for position, cell in enumerate(trimmed.cells) if cell.cell_type == "markdown"
                      and _EXERCISES.match(cell.source)), len(trimmed.cells))
    trimmed.cells = [cell for cell in trimmed.cells[:exercises] if BUNDLED_TAG not in cell.metadata.get("tags", [])]
    return trimmed


# --------------------------------------------------------------------------- guessing how an analyst's file is written

#: Header names (compared without case, spaces, ``_`` and ``-``) that propose a role, English and Chinese.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "customer": ("customer", "customerid", "customerno", "customercode", "client", "clientid", "userid", "memberid",
                 "buyer", "buyerid", "客户", "客户编号", "客户id", "客户号", "客户代码", "顾客编号", "顾客id",
                 "会员编号", "会员id", "会员号", "用户id", "用户编号", "买家id"),
    "date": ("date", "orderdate", "invoicedate", "purchasedate", "transactiondate", "day", "time", "timestamp",
             "日期", "订单日期", "下单日期", "交易日期", "购买日期", "消费日期", "下单时间", "交易时间", "购买时间",
             "订单时间"),
    "amount": ("amount", "total", "revenue", "sales", "value", "spend", "ordervalue", "金额", "订单金额",
               "实付金额", "消费金额", "交易金额", "销售额", "支付金额", "总金额", "应付金额"),
    "quantity": ("quantity", "qty", "units", "数量", "购买数量", "件数"),
    "price": ("price", "unitprice", "单价", "价格", "商品单价"),
    "invoice": ("invoice", "invoiceno", "orderid", "orderno", "order", "订单号", "订单编号", "发票号", "单号"),
    "product": ("product", "productid", "stockcode", "sku", "item", "itemid", "商品编号", "产品编号", "商品id", "商品",
                "产品", "货号"),
}


def _normalised(name: str) -> str:
    return re.sub(r"[\s_\-]", "", str(name)).lower()


def propose_columns(header) -> dict[str, str]:
    """Role -> column name for the columns of ``header`` whose names say their role (:data:`ROLE_NAMES`).

    Amount wins over quantity x price when both are present; a role no column names is left out.
    """
    found: dict[str, str] = {}
    for column in header:
        for role, names in ROLE_NAMES.items():
            if role not in found and _normalised(column) in names:
                found[role] = str(column)
    if "amount" in found:
        found.pop("quantity", None), found.pop("price", None)
    return found


def propose_date_format(values: pd.Series, name: str, label: str) -> str | None:
    """An explicit date format for a date column whose dates are numeric day/month/year or month/day/year without a
    time, in the order the data settle (a day above 12 somewhere: :mod:`crmlab.dates`, rule 3); None when the
    automatic rules read the column unambiguously anyway (ISO, year-first, 2024年3月5日, datetimes, ...).

    Raises
    ------
    AmbiguousDateError
        When the day/month order cannot be told from the data (with the count of ambiguous rows).
    """
    from .dates import _DAY_MONTH, parse_dates
    from .parsing import as_text

    parsed = parse_dates(values, name, label, mixed_time_zones="utc")
    if pd.api.types.is_datetime64_any_dtype(values):
        return None
    text = as_text(values)
    matches = {row: _DAY_MONTH.fullmatch(value) for row, value in text.dropna().items()}
    numeric = {row: match for row, match in matches.items() if match is not None}
    if not numeric or any(m["H"] for m in numeric.values()):
        return None
    telling = next(((row, m) for row, m in numeric.items() if m["a"] != m["b"] and pd.notna(parsed.dates[row])), None)
    if telling is None:
        return None
    row, match = telling
    day_first = parsed.dates[row].day == int(match["a"])
    sep, year = match["sep"], "%Y" if len(match["y"]) == 4 else "%y"
    return f"%d{sep}%m{sep}{year}" if day_first else f"%m{sep}%d{sep}{year}"
