"""Where the customer summary runs: embedded DuckDB, a Spark cluster, or a SQL database, through one Ibis expression.

:func:`crmlab.customer_summary` and :func:`crmlab.calibration_holdout` take a DataFrame, a file path, an Ibis
table or a Spark DataFrame. This module makes the connections:

* :func:`duckdb` — an embedded DuckDB with a memory limit, a spill folder and a progress bar, for logs larger
  than memory (DuckDB streams Parquet and spills aggregates to disk);
* :func:`spark_session` / :func:`pyspark` — a Spark session, local or on a cluster, and its Ibis backend
  (``pip install "crmlab[spark]"``; Spark needs Java 17);
* :func:`table` — any of these, or a Spark DataFrame, as an Ibis table.

Pointing at a real cluster means giving the master URL (``spark://host:7077``, ``yarn``, ``k8s://…``) and the
cluster's settings; the summary is then computed by the executors and only one row per customer comes back::

    spark = crmlab.backends.spark_session("yarn", {"spark.executor.memory": "8g"})
    log = crmlab.backends.pyspark(spark).read_parquet("hdfs:///sales/transactions/")
    summary = crmlab.customer_summary(log, customer_col="client", date_col="ts", amount_col="total")

PostgreSQL (``pip install "crmlab[postgres]"``): ``ibis.postgres.connect(host=..., database=...).table("orders")``
gives a table the summary runs on inside the database.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import ibis
import ibis.expr.types as ir

__all__ = ["duckdb", "pyspark", "spark_session", "table"]


def duckdb(memory_limit: str | None = None, threads: int | None = None, temp_directory: str | Path | None = None,
           progress: bool = False):
    """An embedded DuckDB connection for large logs.

    ``memory_limit`` (e.g. ``"3GB"``) caps DuckDB's buffer memory, beyond which it spills to
    ``temp_directory``; ``progress`` prints DuckDB's progress bar for long queries.
    """
    con = ibis.duckdb.connect()
    settings = {"memory_limit": memory_limit, "threads": threads,
                "temp_directory": str(temp_directory) if temp_directory else None}
    for name, value in settings.items():
        if value is not None:
            con.raw_sql(f"SET {name} = '{value}'")
    if progress:
        con.raw_sql("SET enable_progress_bar = true")
        con.raw_sql("SET enable_progress_bar_print = true")
    return con


def spark_session(master: str = "local[2]", config: dict | None = None, app_name: str = "crmlab"):
    """A Spark session; ``local[n]`` runs in this process's JVM with every port bound to 127.0.0.1.

    A local session's Python workers run this interpreter (``sys.executable``): PySpark refuses workers of
    another minor version, and the system's ``python3`` need not be the one crmlab is installed in.
    Raises a RuntimeError naming what to install when PySpark or Java is missing.
    """
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise RuntimeError("Spark needs Java 17: install a JDK (Debian: openjdk-17-jre-headless) or set JAVA_HOME")
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise RuntimeError('the Spark backend needs PySpark: pip install "crmlab[spark]"') from error
    builder = SparkSession.builder.master(master).appName(app_name)
    settings = {"spark.sql.session.timeZone": "UTC", "spark.ui.showConsoleProgress": "false"}
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers read the environment in local mode
        settings.update({"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1",
                         "spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "8"})
    for key, value in {**settings, **(config or {})}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def pyspark(session=None):
    """The Ibis backend of a Spark session (a local one by default)."""
    return ibis.pyspark.connect(session or spark_session())


def table(source, backend=None) -> ir.Table:
    """An Ibis table from an Ibis table, a Spark DataFrame, or a Parquet/CSV path read by ``backend``.

    ``backend`` is an Ibis connection or one of "duckdb" (default) and "pyspark".
    """
    if isinstance(source, ir.Table):
        return source
    if type(source).__module__.startswith("pyspark.sql"):  # a Spark DataFrame, without importing pyspark
        name = f"crmlab_{id(source):x}"
        source.createOrReplaceTempView(name)
        return pyspark(source.sparkSession).table(name)
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"transaction file {path} does not exist")
    if backend is None or backend == "duckdb":
        con = duckdb()
    elif backend == "pyspark":
        con = pyspark()
    elif isinstance(backend, str):
        raise ValueError(f"backend must be 'duckdb', 'pyspark' or an Ibis connection, got {backend!r}")
    else:
        con = backend
    suffix = path.suffix.lower() if path.is_file() else ".parquet"  # a folder of Parquet parts
    return con.read_parquet(str(path)) if suffix == ".parquet" else con.read_csv(str(path))
