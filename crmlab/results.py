"""The figures of a study run in one machine-readable file: model estimates, fit statistics, holdout metrics.

A notebook calls :func:`save_results` with its ``processed_dir`` parameter (set by a study run; None elsewhere,
when nothing is written) and its own name::

    cl.results.save_results(processed_dir, "04_clv_probabilistic_models", models=models, holdout=evaluations)

Each call writes ``<processed_dir>/results/<notebook>.json``; when every notebook has run, the study runner
merges them with :func:`collect_results` into ``results.json`` beside the manifest, one entry per notebook.
Values are turned into JSON by :func:`as_json`: a fitted model becomes its estimates, standard errors,
log-likelihood, AIC/BIC and time unit; a holdout evaluation its metrics table; a data-quality report its row
accounting; DataFrames and Series nested mappings; NaN and infinities ``null``.
"""

from __future__ import annotations

import json
import math
import numbers
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["as_json", "collect_results", "save_results"]


def _key(label) -> str:
    return " / ".join(map(str, label)) if isinstance(label, tuple) else str(label)


def as_json(value):
    """``value`` as plain JSON data (see the module docstring)."""
    from .quality import DataQualityReport

    if isinstance(value, DataQualityReport):
        return {"rows_in": value.rows_in, "rows_kept": value.rows_kept, "customers_kept": value.customers_kept,
                "dropped": {k: n for k, n in (value.dropped or {}).items() if n}}
    if hasattr(value, "params_"):  # a fitted model
        fitted = {"model": type(value).__name__, "params": as_json(value.params_)}
        for name in ("standard_errors_", "log_likelihood_", "aic_", "bic_", "n_customers_", "time_unit_"):
            if hasattr(value, name):
                fitted[name.rstrip("_")] = as_json(getattr(value, name))
        return fitted
    if hasattr(value, "metrics") and isinstance(value.metrics, pd.DataFrame):  # a holdout evaluation
        return {"metrics": as_json(value.metrics)}
    if isinstance(value, pd.DataFrame):
        return {_key(row): as_json(values) for row, values in value.to_dict(orient="index").items()}
    if isinstance(value, pd.Series):
        return {_key(label): as_json(item) for label, item in value.items()}
    if isinstance(value, dict):
        return {_key(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"save_results cannot write a {type(value).__name__}; pass numbers, text, tables or fitted models")


def save_results(processed_dir: str | Path | None, notebook: str, **results) -> Path | None:
    """Write ``results`` of ``notebook`` to ``<processed_dir>/results/<notebook>.json`` (nothing when
    ``processed_dir`` is None); return the file."""
    if processed_dir is None:
        return None
    folder = Path(processed_dir) / "results"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{notebook}.json"
    target.write_text(json.dumps(as_json(results), indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8")
    return target


def collect_results(processed_dir: str | Path) -> dict:
    """Every notebook's results of a run, by notebook name (empty when the notebooks saved none)."""
    folder = Path(processed_dir) / "results"
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))}
