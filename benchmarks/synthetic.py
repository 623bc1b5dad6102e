"""Seeded synthetic transaction logs shaped like a real retailer's invoice-line log.

Customers buy on purchase occasions; each occasion is an invoice of several
lines sharing one timestamp (to the second), so a log has same-day repeats and
multi-line invoices as Online Retail does. Customers' activity is heavy-tailed
(log-normal weights), line values are log-normal. Pure numpy; 10M rows take a
few seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

LINES_PER_OCCASION = 4
LINES_PER_CUSTOMER = 20
HISTORY_DAYS = 730


def make_transaction_log(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """customer_id (int64), date (datetime64[us], second precision), amount (float64, 2 decimals)."""
    rng = np.random.default_rng(seed)
    n_customers = max(n_rows // LINES_PER_CUSTOMER, 1)
    n_occasions = max(n_rows // LINES_PER_OCCASION, 1)
    weights = rng.lognormal(0.0, 1.2, n_customers)
    occasion_customer = rng.choice(n_customers, size=n_occasions, p=weights / weights.sum())
    occasion_second = rng.integers(0, HISTORY_DAYS * 86_400, n_occasions)
    occasion = np.sort(rng.integers(0, n_occasions, n_rows))
    start = np.datetime64("2022-01-01T00:00:00", "us")
    return pd.DataFrame({
        "customer_id": occasion_customer[occasion].astype("int64"),
        "date": start + occasion_second[occasion].astype("timedelta64[s]"),
        "amount": np.round(rng.lognormal(2.5, 1.0, n_rows), 2),
    })


def write_log(n_rows: int, folder: Path, seed: int = 0) -> Path:
    """Write the log of ``n_rows`` rows to ``folder`` as Parquet (once) and return its path."""
    path = Path(folder) / f"log_{n_rows}_{seed}.parquet"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        make_transaction_log(n_rows, seed).to_parquet(path, index=False)
    return path
