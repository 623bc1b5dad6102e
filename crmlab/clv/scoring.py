"""Scoring a fitted customer-base model where the customers are: in memory, on Spark, or in a Parquet file.

A score is a table with one row per customer and one column per quantity:

=============================  ======================================================================
``p_alive``                    P(alive now | history)
``expected_purchases``         E[purchases in the next ``t`` time units | history]
``probability_no_purchases``   P(no purchase in the next ``t`` time units | history)
``clv``                        value of the purchases in the next ``t`` time units, discounted at
                               ``discount_rate`` per time unit: :func:`~crmlab.clv.customer_lifetime_value`
                               with one discounting period per time unit of the model and ``horizon = t``
=============================  ======================================================================

Time is in the model's unit (``model.time_unit_``): with a weekly model, ``t=52`` is a year and
``discount_rate`` is a weekly rate. With ``draws`` (parameter draws of :mod:`crmlab.clv.intervals`)
each quantity gets ``<quantity>_lower`` and ``<quantity>_upper`` columns, the ``level`` prediction
interval of :func:`crmlab.clv.intervals.prediction_interval`.

:func:`score` computes the table of a pandas summary. The two others run that same function where
the data live, one slice of customers at a time, and never bring all customers to one place:

* :func:`score_spark` — a Spark DataFrame of customer summaries, scored by the executors with
  ``mapInPandas``: the models travel as their JSON (a broadcast variable), each task rebuilds them with
  :func:`crmlab.clv.model_from_json` (the text twin of :func:`~crmlab.clv.load_model`) and scores its Arrow
  batches, gathered into chunks of ``batch_rows`` customers; the result is a Spark DataFrame.
* :func:`score_parquet` — a Parquet file (or folder of parts) of customer summaries, streamed by DuckDB
  in record batches of ``batch_rows`` customers and written batch by batch to a Parquet file, so
  memory holds one batch.

A customer's score depends only on the customer's own row, so the slices give the in-memory scores
exactly (tests compare them on local Spark and DuckDB).

A pandas summary carries its time unit; a Spark DataFrame cannot, so :func:`score_spark` needs
``time_unit=`` and checks it against the model's. A Parquet file written by pandas from a crmlab
summary keeps the summary's information in its metadata, which :func:`score_parquet` reads.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ColumnTypeError, DataError, MissingColumnError
from ..frames import CUSTOMER_SUMMARY, TableInfo, table_info, unit_name, with_info
from ._customer_base import CustomerBaseModel
from .base import model_from_json
from .lifetime_value import customer_lifetime_value

__all__ = ["QUANTITIES", "score", "score_spark", "score_parquet"]

#: The quantities a score can hold, in the order of its columns.
QUANTITIES = ("p_alive", "expected_purchases", "probability_no_purchases", "clv")
_DEFAULT_QUANTITIES = ("p_alive",)


def score(model, data: pd.DataFrame, quantities: str | Sequence[str] = _DEFAULT_QUANTITIES, *, t=None,
          spend_model=None, discount_rate: float = 0.0, draws: pd.DataFrame | None = None,
          spend_draws: pd.DataFrame | None = None, level: float = 0.9) -> pd.DataFrame:
    """Score the customers of a summary held in memory: one column per quantity (see the module docstring).

    Parameters
    ----------
    model
        A fitted customer-base model (``BetaGeo``, ``ParetoNBD``, ``ModifiedBetaGeo``, ``BetaGeoBetaBinom``, ...).
    data : DataFrame
        Customer summaries indexed by customer, with the columns the models read, in the model's time unit.
    quantities : str or sequence of str
        Names from :data:`QUANTITIES`.
    t : number
        Horizon in the model's time unit; needed by every quantity but ``p_alive`` (a whole number for ``clv``).
    spend_model
        For ``clv``: a fitted ``GammaGamma``, a number (spend per purchase), or a Series by customer.
    discount_rate : float
        For ``clv``: discount rate per time unit of the model.
    draws : DataFrame, optional
        Parameter draws (:func:`crmlab.clv.intervals.parameter_draws` or ``bootstrap_draws``): adds the
        ``level`` interval of each quantity as ``<quantity>_lower`` and ``<quantity>_upper``.
    spend_draws : DataFrame, optional
        For ``clv`` intervals with a fitted spend model: its own parameter draws, as many as ``draws``
        (:func:`crmlab.clv.intervals.parameter_draws` of the spend model with another seed).

    Returns
    -------
    DataFrame indexed like ``data``.
    """
    request = _Request.check(model, quantities, t, spend_model, discount_rate, draws, level)
    return request.score(model, data, spend_model, _bundle(draws, spend_draws))


class _Request:
    """The checked settings of a scoring call (everything but the models, the draws and the data)."""

    def __init__(self, quantities: tuple[str, ...], t: float | None, discount_rate: float, level: float):
        self.quantities, self.t, self.discount_rate, self.level = quantities, t, discount_rate, level

    @classmethod
    def check(cls, model, quantities, t, spend_model, discount_rate, draws, level) -> _Request:
        if not isinstance(model, CustomerBaseModel):
            raise TypeError("scoring needs a fitted customer-base model (BetaGeo, ParetoNBD, ModifiedBetaGeo, "
                            f"BetaGeoBetaBinom, ...), not {type(model).__name__}")
        model._require_fit()
        names = (quantities,) if isinstance(quantities, str) else tuple(quantities)
        unknown = [q for q in names if q not in QUANTITIES]
        if unknown or not names or len(set(names)) < len(names):
            raise ValueError(f"quantities must be distinct names from {list(QUANTITIES)}, got {list(names)}")
        horizon = None
        if set(names) - {"p_alive"}:
            if isinstance(t, bool) or not isinstance(t, numbers.Real) or not np.isfinite(t) or t <= 0:
                raise ValueError(f"t (the horizon in {model.time_unit_label}) must be a positive number for "
                                 f"{[q for q in names if q != 'p_alive']}, got {t!r}")
            horizon = float(t)
        if "clv" in names:
            if horizon != int(horizon):
                raise ValueError(f"clv discounts once per time unit of the model: t must be a whole number of "
                                 f"{model.time_unit_label}, got {t!r}")
            if spend_model is None:
                raise ValueError("clv needs spend_model= (a fitted GammaGamma, or a spend per purchase)")
            if hasattr(spend_model, "expected_spend"):
                spend_model._require_fit()
        if isinstance(discount_rate, bool) or not isinstance(discount_rate, numbers.Real) \
                or not np.isfinite(discount_rate) or discount_rate <= -1:
            raise ValueError(f"discount_rate must be a number > -1, got {discount_rate!r}")
        if not isinstance(level, numbers.Real) or not 0 < level < 1:
            raise ValueError(f"level must be a number between 0 and 1 (e.g. 0.9), got {level!r}")
        if draws is not None and not isinstance(draws, pd.DataFrame):
            raise TypeError("draws must be a DataFrame of parameter draws (crmlab.clv.intervals.parameter_draws), "
                            f"not {type(draws).__name__}")
        return cls(names, horizon, float(discount_rate), float(level))

    def score(self, model, data: pd.DataFrame, spend_model, draws: tuple | None) -> pd.DataFrame:
        """The scores of ``data``; ``draws`` is None or (the model's draws, the spend model's draws or None)."""
        columns = {}
        for quantity in self.quantities:
            columns[quantity] = self._estimate(quantity, model, data, spend_model)
            if draws is not None:
                band = self._interval(quantity, model, data, spend_model, draws)
                columns[f"{quantity}_lower"] = band["lower"].to_numpy()
                columns[f"{quantity}_upper"] = band["upper"].to_numpy()
        return pd.DataFrame(columns, index=data.index)

    def _estimate(self, quantity: str, model, data: pd.DataFrame, spend_model) -> np.ndarray:
        if quantity == "p_alive":
            return model.p_alive(data).to_numpy()
        if quantity == "expected_purchases":
            return model.expected_purchases(self.t, data).to_numpy()
        if quantity == "probability_no_purchases":
            return model.probability_no_purchases(self.t, data).to_numpy()
        values = customer_lifetime_value(model, spend_model, data, horizon=int(self.t),
                                         discount_rate=self.discount_rate, period_length=1.0)
        return values["clv"].to_numpy()

    def _interval(self, quantity: str, model, data: pd.DataFrame, spend_model, bundle: tuple) -> pd.DataFrame:
        from . import intervals

        draws, spend_draws = bundle
        if quantity == "clv":  # the same CLV as _estimate: horizon in discounting periods of one model time unit
            return intervals.prediction_interval(model, data, quantity, draws=draws, level=self.level,
                                                 spend_model=spend_model, spend_draws=spend_draws,
                                                 horizon=int(self.t), discount_rate=self.discount_rate,
                                                 period_length=1.0)
        horizon = 0.0 if quantity == "p_alive" else self.t
        return intervals.prediction_interval(model, data, quantity, t=horizon, draws=draws, level=self.level)

    def columns(self, with_intervals: bool) -> list[str]:
        if not with_intervals:
            return list(self.quantities)
        return [name for q in self.quantities for name in (q, f"{q}_lower", f"{q}_upper")]


# --------------------------------------------------------------------------- checks of a table kept elsewhere

def _needed_columns(model, spend_model, quantities) -> list[str]:
    """The columns the models read (a spend model's only when ``clv`` is scored)."""
    needed = list(model.data_columns)
    if "clv" in quantities:
        needed += [c for c in getattr(spend_model, "data_columns", ()) if c not in needed]
    return needed


def _check_columns(where: str, types: dict[str, bool], customer_col: str, needed: list[str]) -> None:
    """Refuse a table without the customer id or a model's column, or whose model column is not numeric.

    ``types`` maps each column of the table to whether it holds numbers.
    """
    missing = [c for c in [customer_col, *needed] if c not in types]
    if missing:
        raise MissingColumnError(f"{where} has no column {missing} (its columns: {list(types)}); scoring needs the "
                                 f"customer id {customer_col!r} (customer_col=) and the model's columns {needed}")
    text = [c for c in needed if not types[c]]
    if text:
        raise ColumnTypeError(f"columns {text} of {where} must hold numbers; cast them first")


def _dry_run(request: _Request, model, spend_model, where: str, columns: list[str], customer_col: str,
             unit: str | None) -> None:
    """Score an empty table with the columns of ``where``: what the models would refuse fails here, not in a task."""
    empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in columns if c != customer_col})
    try:
        request.score(model, _summary(empty, model, unit), spend_model, None)
    except MissingColumnError as error:
        raise MissingColumnError(f"{where}: {error}") from error


def _unit(model, time_unit: str | None, recorded: str | None, where: str) -> str | None:
    """The data's time unit, which must be the model's (a discrete model's opportunities need none)."""
    fitted = model.time_unit_
    if model.discrete_unit is not None:
        if time_unit not in (None, fitted):
            raise DataError(f"the {model.model_name} model counts time in {unit_name(fitted)}: time_unit does not "
                            f"apply (got {time_unit!r})")
        return None
    if time_unit is not None:
        TableInfo(CUSTOMER_SUMMARY, time_unit=time_unit)  # a clear error for anything but D, W, M
    if recorded is not None and time_unit is not None and recorded != time_unit:
        raise DataError(f"time_unit={time_unit!r} contradicts {where}, whose summaries are in "
                        f"{unit_name(recorded)} ({recorded!r})")
    unit = recorded or time_unit
    if unit is None and fitted is None:
        raise DataError(f"neither {where} nor the {model.model_name} model (from an old model file) says in which "
                        "unit recency and T are measured: pass time_unit= ('D', 'W' or 'M')")
    if unit is None:
        raise DataError(f"{where} does not say in which unit recency and T are measured: pass "
                        f"time_unit={fitted!r} if its summaries are in {unit_name(fitted)}, as the "
                        f"{model.model_name} model's are")
    if fitted is not None and unit != fitted:
        raise DataError(f"the {model.model_name} model was fitted in {unit_name(fitted)} ({fitted!r}) but {where} "
                        f"is in {unit_name(unit)} ({unit!r}); recompute the summaries with time_unit={fitted!r}, "
                        "or refit the model")
    return unit


def _summary(frame: pd.DataFrame, model, unit: str | None) -> pd.DataFrame:
    """A slice of customer summaries that says its time unit (as a crmlab summary does), for the models' checks."""
    if unit is None or model.discrete_unit is not None:
        return frame
    return with_info(frame, TableInfo(CUSTOMER_SUMMARY, time_unit=unit))


def _score_batches(request: _Request, model, spend_model, draws, batches: Iterator[pd.DataFrame], customer_col: str,
                   unit: str | None, rows: int) -> Iterator[pd.DataFrame]:
    """Scores of pandas batches of customers (a Spark task's Arrow batches, DuckDB's record batches), batch by batch.

    Batches are scored in chunks of at least ``rows`` customers (or what is left), so that the per-key work
    of the predictions is shared by many customers even when the batches are small (Spark's are 10,000 rows by
    default); memory holds one chunk. Each batch's scores come out with the batch's own customer ids.
    """
    pending, size = [], 0
    for batch in batches:
        pending.append(batch)
        size += len(batch)
        if size >= rows:
            yield from _score_chunk(request, model, spend_model, draws, pending, customer_col, unit)
            pending, size = [], 0
    if pending:
        yield from _score_chunk(request, model, spend_model, draws, pending, customer_col, unit)


def _score_chunk(request: _Request, model, spend_model, draws, batches: list[pd.DataFrame], customer_col: str,
                 unit: str | None) -> Iterator[pd.DataFrame]:
    ids = pd.Index(np.concatenate([batch[customer_col].to_numpy() for batch in batches]), name=customer_col)
    chunk = pd.concat([batch.drop(columns=customer_col) for batch in batches], ignore_index=True)
    scores = request.score(model, _summary(chunk.set_axis(ids), model, unit), spend_model, draws)
    start = 0
    for batch in batches:
        part = scores.iloc[start:start + len(batch)]
        start += len(batch)
        yield pd.DataFrame({customer_col: batch[customer_col].reset_index(drop=True),
                            **{name: part[name].to_numpy() for name in part.columns}})


# --------------------------------------------------------------------------- Spark

def score_spark(model, frame, quantities: str | Sequence[str] = _DEFAULT_QUANTITIES, *, t=None,
                time_unit: str | None = None, customer_col: str = "customer_id", spend_model=None,
                discount_rate: float = 0.0, draws: pd.DataFrame | None = None,
                spend_draws: pd.DataFrame | None = None, level: float = 0.9, batch_rows: int = 200_000):
    """Score a Spark DataFrame of customer summaries on the executors; returns a Spark DataFrame (lazy).

    Parameters are those of :func:`score`, and

    frame : pyspark.sql.DataFrame
        One row per customer: ``customer_col`` and the columns the models read (other columns travel to the
        workers too; select the ones needed first to save the transfer).
    time_unit : {"D", "W", "M"}
        The unit of recency and T in ``frame``. A Spark DataFrame cannot carry it, so it must be stated, and
        must be the model's (BG/BB and sBG count opportunities and periods: no unit applies).
    batch_rows : int
        Each task scores its Arrow batches gathered into chunks of this many customers (see ``_score_batches``).

    Returns
    -------
    pyspark.sql.DataFrame with ``customer_col`` and one double column per quantity (and interval bound).
    Nothing runs until it is written or collected; rows with missing values then fail the job with the
    model's :class:`~crmlab.errors.DataError` in the task's error.
    """
    from pyspark.sql.types import DoubleType, NumericType, StructField, StructType

    request = _Request.check(model, quantities, t, spend_model, discount_rate, draws, level)
    _check_batch_rows(batch_rows)
    if not type(frame).__module__.startswith("pyspark.sql"):
        raise TypeError(f"score_spark scores a Spark DataFrame, not {type(frame).__name__}; use score() for a "
                        "pandas DataFrame and score_parquet() for a Parquet file")
    where = "the Spark DataFrame"
    unit = _unit(model, time_unit, None, where)
    types = {field.name: isinstance(field.dataType, NumericType) for field in frame.schema.fields}
    _check_columns(where, types, customer_col, _needed_columns(model, spend_model, request.quantities))
    _dry_run(request, model, spend_model, where, list(types), customer_col, unit)
    spend = _spend_payload(spend_model, request.quantities)
    broadcast = frame.sparkSession.sparkContext.broadcast({"model": model.to_json(), "spend": spend,
                                                             "draws": _bundle(draws, spend_draws)})
    schema = StructType([frame.schema[customer_col]] + [StructField(name, DoubleType(), nullable=False)
                                                        for name in request.columns(draws is not None)])
    return frame.mapInPandas(_task_scorer(request, broadcast, customer_col, unit, batch_rows), schema)


def _bundle(draws: pd.DataFrame | None, spend_draws: pd.DataFrame | None) -> tuple | None:
    """The draws that travel with a scoring request: None (no intervals) or (model draws, spend draws)."""
    return None if draws is None else (draws, spend_draws)


def _spend_payload(spend_model, quantities):
    """What of the spend model travels to the executors: its JSON (tagged), a number, or nothing."""
    if "clv" not in quantities:
        return None
    if hasattr(spend_model, "expected_spend"):
        return {"model": spend_model.to_json()}
    if isinstance(spend_model, numbers.Real):
        return float(spend_model)
    raise TypeError("on Spark the spend model must be a fitted spend model (GammaGamma) or a number (a spend per "
                    f"purchase), not {type(spend_model).__name__}: a Series by customer stays in memory")


def _task_scorer(request: _Request, broadcast, customer_col: str, unit: str | None, rows: int):
    """The function a Spark task runs on its batches: it rebuilds the models from the broadcast JSON, once."""
    def score_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        shared = broadcast.value
        model = model_from_json(shared["model"])
        spend = shared["spend"]
        spend_model = model_from_json(spend["model"]) if isinstance(spend, dict) else spend
        yield from _score_batches(request, model, spend_model, shared["draws"], batches, customer_col, unit, rows)
    return score_partition


# --------------------------------------------------------------------------- Parquet through DuckDB

def score_parquet(model, path: str | Path, out_path: str | Path, quantities: str | Sequence[str] = _DEFAULT_QUANTITIES,
                  *, t=None, time_unit: str | None = None, customer_col: str = "customer_id", spend_model=None,
                  discount_rate: float = 0.0, draws: pd.DataFrame | None = None,
                  spend_draws: pd.DataFrame | None = None, level: float = 0.9, batch_rows: int = 500_000,
                  progress: bool = True) -> Path:
    """Score a Parquet file (or folder of Parquet parts) of customer summaries into a Parquet file.

    DuckDB streams ``path`` in record batches of ``batch_rows`` customers; each is scored with :func:`score`
    and appended to ``out_path``, so memory holds one batch whatever the number of customers.
    Parameters are those of :func:`score`, and ``time_unit`` as in :func:`score_spark`: a file written by pandas
    from a crmlab summary records its unit (then ``time_unit`` may be left out, and must agree if given).

    Returns ``out_path``: ``customer_col`` and one column per quantity (and interval bound), in the input's order.
    """
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tqdm.auto import tqdm

    request = _Request.check(model, quantities, t, spend_model, discount_rate, draws, level)
    _check_batch_rows(batch_rows)
    source, target = Path(path), Path(out_path)
    if not source.exists():
        raise FileNotFoundError(f"Parquet file {source} does not exist")
    if target.resolve() == source.resolve():
        raise ValueError(f"out_path must differ from the input {source}: the scores would overwrite the summaries")
    where = f"the Parquet file {source}"
    unit = _unit(model, time_unit, _recorded_unit(source), where)
    files = str(source / "**" / "*.parquet") if source.is_dir() else str(source)
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")  # no bar of DuckDB's own on stdout: ours shows progress
    relation = connection.read_parquet(files)
    columns = relation.limit(0).to_arrow_table().schema
    types = {field.name: pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
             or pa.types.is_decimal(field.type) for field in columns}
    _check_columns(where, types, customer_col, _needed_columns(model, spend_model, request.quantities))
    _dry_run(request, model, spend_model, where, list(types), customer_col, unit)
    rows = relation.count("*").fetchall()[0][0]
    schema = pa.schema([columns.field(customer_col)] + [pa.field(name, pa.float64())
                                                        for name in request.columns(draws is not None)])
    target.parent.mkdir(parents=True, exist_ok=True)
    with relation.to_arrow_reader(batch_rows) as reader, pq.ParquetWriter(target, schema) as writer, \
            tqdm(total=rows, desc="scoring customers", unit="customer", disable=not progress) as bar:
        batches = (batch.to_pandas() for batch in reader)
        for scores in _score_batches(request, model, spend_model, _bundle(draws, spend_draws), batches, customer_col,
                                     unit, batch_rows):
            writer.write_table(pa.Table.from_pandas(scores, schema=schema, preserve_index=False))
            bar.update(len(scores))
    return target


def _check_batch_rows(batch_rows) -> None:
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int | np.integer) or batch_rows < 1:
        raise ValueError(f"batch_rows must be a whole number >= 1, got {batch_rows!r}")


def _recorded_unit(source: Path) -> str | None:
    """The time unit a Parquet file written by pandas from a crmlab summary records in its metadata, if any."""
    import pyarrow.parquet as pq

    first = source if source.is_file() else next(iter(sorted(source.rglob("*.parquet"))), None)
    if first is None:
        return None
    metadata = pq.read_schema(first).metadata or {}
    attrs = metadata.get(b"PANDAS_ATTRS")
    if attrs is None:
        return None
    frame = pd.DataFrame()
    frame.attrs = json.loads(attrs)
    info = table_info(frame)
    return info.time_unit if info is not None else None
