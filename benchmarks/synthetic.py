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


def make_transaction_log(n_rows: int, seed: int = 0, n_customers: int | None = None) -> pd.DataFrame:
    """customer_id (int64), date (datetime64[us], second precision), amount (float64, 2 decimals).

    ``n_customers`` (default n_rows / 20) fixes the customer base, so that parts of one large log
    generated with different seeds share their customers.
    """
    rng = np.random.default_rng(seed)
    shared_base = n_customers is not None
    n_customers = n_customers or max(n_rows // LINES_PER_CUSTOMER, 1)
    weights = (np.random.default_rng(0) if shared_base else rng).lognormal(0.0, 1.2, n_customers)
    n_occasions = max(n_rows // LINES_PER_OCCASION, 1)
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


def write_large_log(n_rows: int, folder: Path, seed: int = 0, part_rows: int = 10_000_000) -> Path:
    """Write a log of ``n_rows`` rows as one Parquet file, ``part_rows`` at a time (memory of one part).

    Parts share one customer base of n_rows / 20 customers and use seeds seed, seed + 1, ...
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(folder) / f"large_log_{n_rows}_{seed}.parquet"
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    n_customers = max(n_rows // LINES_PER_CUSTOMER, 1)
    with pq.ParquetWriter(partial, pa.schema([("customer_id", pa.int64()), ("date", pa.timestamp("us")),
                                              ("amount", pa.float64())])) as writer:
        for part, start in enumerate(range(0, n_rows, part_rows)):
            rows = min(part_rows, n_rows - start)
            frame = make_transaction_log(rows, seed + part, n_customers=n_customers)
            writer.write_table(pa.Table.from_pandas(frame, preserve_index=False))
    partial.rename(path)
    return path
