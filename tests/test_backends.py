"""The customer summary computed where the data live: Spark (local mode) and a real PostgreSQL server.

Each backend must give the DuckDB result. Spark starts one local session (bound to 127.0.0.1) for the
module; PostgreSQL runs from Debian's binaries in a throw-away data folder on a free local port.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

import crmlab as cl

OBSERVATION = {"observation_end": "2011-12-09", "time_unit": "W"}
SPLIT = {"calibration_end": "2011-09-09", "observation_end": "2011-12-09", "time_unit": "D"}


@pytest.fixture(scope="module")
def log_100k(online_retail_log) -> pd.DataFrame:
    """The first 100,000 lines of the cleaned Online Retail log."""
    return online_retail_log[["customer_id", "date", "amount"]].head(100_000).reset_index(drop=True)


def _same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-12, check_dtype=False)


# --------------------------------------------------------------------------- Spark

def test_spark_summary_equals_duckdb(spark, log_100k):
    frame = spark.createDataFrame(log_100k)
    _same(cl.customer_summary(frame, **OBSERVATION), cl.customer_summary(log_100k, **OBSERVATION))
    _same(cl.calibration_holdout(frame, **SPLIT), cl.calibration_holdout(log_100k, **SPLIT))


def test_spark_reads_a_parquet_path_itself(spark, log_100k, tmp_path):
    path = tmp_path / "log.parquet"
    log_100k.to_parquet(path)
    on_spark = cl.customer_summary(path, backend=cl.backends.pyspark(spark), **OBSERVATION)
    _same(on_spark, cl.customer_summary(path, **OBSERVATION))


# --------------------------------------------------------------------------- PostgreSQL

def _pg_binary(name: str) -> str | None:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
                                       None)
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        if os.environ.get("CRMLAB_REQUIRE_POSTGRES"):
            pytest.fail("CRMLAB_REQUIRE_POSTGRES is set but PostgreSQL is not installed (.ci/run installs it)")
        pytest.skip("PostgreSQL is not installed here (CI installs Debian's postgresql)")
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []  # the server refuses to run as root
    folder = Path(tempfile.mkdtemp(prefix="crmlab-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()
    subprocess.run([*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "crmlab", "--no-sync"], check=True,
                   capture_output=True)
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-w", "-l", str(folder / "server.log"), "-o",
                    f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off", "start"], check=True, capture_output=True)
    try:
        import ibis

        yield ibis.postgres.connect(host="127.0.0.1", port=port, user="crmlab", database="postgres")
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_postgres_summary_is_computed_in_the_database(postgres, log_100k):
    table = postgres.create_table("transactions", log_100k)
    assert "transactions" in postgres.list_tables() and table.count().execute() == len(log_100k)
    _same(cl.customer_summary(table, **OBSERVATION), cl.customer_summary(log_100k, **OBSERVATION))
    _same(cl.calibration_holdout(table, **SPLIT), cl.calibration_holdout(log_100k, **SPLIT))


# --------------------------------------------------------------------------- DuckDB for large files

def test_duckdb_connection_applies_its_limits(tmp_path, log_100k):
    con = cl.backends.duckdb(memory_limit="512MB", threads=1, temp_directory=tmp_path)
    memory, threads = con.raw_sql("SELECT current_setting('memory_limit'), current_setting('threads')").fetchone()
    assert memory.replace(" ", "").upper() in {"488.2MIB", "512.0MB", "488.2MB"} and int(threads) == 1
    path = tmp_path / "log.parquet"
    log_100k.to_parquet(path)
    _same(cl.customer_summary(path, backend=con, **OBSERVATION), cl.customer_summary(log_100k, **OBSERVATION))


def test_unknown_backends_and_missing_files_get_clear_errors(tmp_path):
    (tmp_path / "log.parquet").write_bytes(b"")
    with pytest.raises(ValueError, match="backend must be 'duckdb', 'pyspark' or an Ibis connection"):
        cl.customer_summary(tmp_path / "log.parquet", backend="oracle")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        cl.customer_summary(tmp_path / "missing.parquet")
