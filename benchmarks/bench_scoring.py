"""Scoring a fitted model where the customers are: in memory, DuckDB batches of a Parquet file, local Spark.

One BG/NBD model and one Gamma-Gamma model (fitted on 1M simulated customers) score P(alive), expected
purchases in the next 52 weeks and 52-week CLV (weekly discount rate 0.2 %) of 1M and 10M simulated customer
summaries stored as Parquet, each way in a fresh process that reads the file and writes the scores to Parquet:

* in memory — ``pd.read_parquet`` then :func:`crmlab.clv.score` on the whole table;
* DuckDB — :func:`crmlab.clv.score_parquet`, record batches of 500,000 customers;
* Spark — :func:`crmlab.clv.score_spark` on ``spark.read.parquet`` in a local[2] session, written by Spark
  (the session's start is timed apart).

Peak memory is the peak resident memory of the whole process tree (the Python process, Spark's JVM and its
Python workers), sampled every 50 ms. Every way's scores are compared with the in-memory ones.

    python benchmarks/bench_scoring.py            # 1M (all three) and 10M (in memory and DuckDB)
    python benchmarks/bench_scoring.py --quick    # 100,000 customers
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "output" / "scoring"
sys.path.insert(0, str(HERE))

from report import machine_description, write_section  # noqa: E402

QUANTITIES = ["p_alive", "expected_purchases", "clv"]
SETTINGS = {"quantities": QUANTITIES, "t": 52, "discount_rate": 0.002}
NAMES = {"memory": "in memory", "duckdb": "DuckDB batches", "spark": "local Spark"}

CHILD = r"""
import json, sys, time
import pandas as pd
import crmlab as cl
way, source, target, model_path, spend_path = sys.argv[1:6]
settings = json.loads(sys.argv[6])
model, spend = cl.clv.load_model(model_path), cl.clv.load_model(spend_path)
result = {}
start = time.perf_counter()
if way == "memory":
    data = pd.read_parquet(source)  # indexed by customer_id, in weeks (the file keeps the summary's information)
    scores = cl.clv.score(model, data, spend_model=spend, **settings)
    scores.to_parquet(target)
elif way == "duckdb":
    cl.clv.score_parquet(model, source, target, spend_model=spend, batch_rows=500_000, progress=False, **settings)
else:
    spark = cl.backends.spark_session("local[2]", {"spark.driver.memory": "4g"})
    result["session_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    frame = spark.read.parquet(source)
    scores = cl.clv.score_spark(model, frame, time_unit="W", spend_model=spend, **settings)
    scores.write.mode("overwrite").parquet(target)
    spark.stop()
result["seconds"] = time.perf_counter() - start
print(json.dumps(result))
"""


def simulated_summaries(n_customers: int) -> Path:
    """BG/NBD customers (CDNOW's estimates) observed 1-104 whole weeks, with Gamma-Gamma spend, as Parquet (once)."""
    import crmlab as cl
    from crmlab import simulation

    path = OUTPUT / f"summaries_{n_customers}.parquet"
    if path.is_file():
        return path
    OUTPUT.mkdir(parents=True, exist_ok=True)
    parts = []
    for k, start in enumerate(range(0, n_customers, 1_000_000)):  # 1M at a time: the simulation's memory
        size = min(1_000_000, n_customers - start)
        T = np.random.default_rng(k).integers(1, 105, size).astype("float64")
        part = simulation.simulate_bgnbd(size, T, r=0.243, alpha=4.414, a=0.793, b=2.426, seed=k)
        spend = simulation.simulate_gammagamma(part["frequency"].to_numpy(), p=6.25, q=3.74, gamma=15.44, seed=k)
        part = pd.DataFrame(part[["frequency", "recency", "T"]]).assign(monetary=spend["monetary"].to_numpy())
        part.index = pd.Index(np.arange(start, start + size), name="customer_id")  # stored as a column
        parts.append(part)
    summaries = cl.frames.with_info(pd.concat(parts), cl.frames.TableInfo("customer_summary", time_unit="W"))
    summaries.to_parquet(path)
    return path


def fitted_models(path: Path) -> tuple[Path, Path]:
    import crmlab as cl

    summaries = pd.read_parquet(path)
    model_path, spend_path = OUTPUT / "bgnbd.json", OUTPUT / "gammagamma.json"
    cl.clv.BetaGeo().fit(summaries).to_json(model_path)
    cl.clv.GammaGamma().fit(summaries).to_json(spend_path)
    return model_path, spend_path


def _tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
        rss[int(entry)] = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 1024


def run(way: str, source: Path, models: tuple[Path, Path]) -> dict:
    target = OUTPUT / f"scores_{way}_{source.stem}.parquet"
    command = [sys.executable, "-c", CHILD, way, str(source), str(target), *map(str, models), json.dumps(SETTINGS)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample():
        while child.poll() is None:
            peak[0] = max(peak[0], _tree_rss_mb(child.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    load = os.getloadavg()[0]
    sampler.start()
    out, _ = child.communicate()
    sampler.join()
    load = (load + os.getloadavg()[0]) / 2
    if child.returncode:
        raise RuntimeError(f"{way} scoring failed (exit {child.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "peak_mb": peak[0], "load": load, "target": target}


def largest_difference(target: Path, reference: pd.DataFrame) -> float:
    """Largest relative difference of a way's scores from the in-memory scores, customer by customer."""
    scores = pd.read_parquet(target).set_index("customer_id").sort_index()[QUANTITIES].to_numpy()
    return float(np.max(np.abs(scores - reference.to_numpy()) / np.maximum(np.abs(reference.to_numpy()), 1e-300)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100,000 customers only")
    args = parser.parse_args(argv)
    plan = [(100_000, ("memory", "duckdb", "spark"))] if args.quick else \
        [(1_000_000, ("memory", "duckdb", "spark")), (10_000_000, ("memory", "duckdb"))]
    models = fitted_models(simulated_summaries(plan[0][0]))
    rows = []
    for n_customers, ways in plan:
        source = simulated_summaries(n_customers)
        results = {way: run(way, source, models) for way in ways}
        reference = pd.read_parquet(results["memory"]["target"]).sort_index()[QUANTITIES]
        for way, result in results.items():
            result["difference"] = 0.0 if way == "memory" else largest_difference(result["target"], reference)
            print(n_customers, way, {k: v for k, v in result.items() if k != "target"}, flush=True)
            startup = f" (+ {result['session_seconds']:.1f} s session start)" if "session_seconds" in result else ""
            rows.append(f"| {n_customers:,} | {NAMES[way]} | {result['seconds']:.1f}{startup} | "
                        f"{n_customers / result['seconds']:,.0f} | {result['peak_mb']:,.0f} | "
                        f"{result['difference']:.1e} | {result['load']:.1f} |")
        del reference
    table = "\n".join(rows)
    write_section("scoring where the data live", f"""A BG/NBD and a Gamma-Gamma model (fitted on
{plan[0][0]:,} simulated customers: CDNOW's BG/NBD estimates, observed 1-104 weeks) score P(alive),
expected purchases in 52 weeks and 52-week CLV (0.2 % a week) from a Parquet file of customer summaries into
a Parquet file, in a fresh process each: in memory (`pd.read_parquet` + `crmlab.clv.score`), in DuckDB record
batches of 500,000 (`crmlab.clv.score_parquet`), and on a local[2] Spark session (`crmlab.clv.score_spark`,
mapInPandas; each task gathers Spark's Arrow batches of 10,000 rows into chunks of 200,000). Seconds include
reading and writing. Peak memory is that of the whole process tree (Python, Spark's JVM and Python workers),
sampled every 50 ms. "vs in memory" is the largest relative difference from the in-memory scores over all
customers and quantities. The machine was shared with other work: the load column is the 1-minute load
average (mean of start and end of the run; 2 cores), and the seconds scale with it.

| customers | way | seconds | customers / s | peak RSS MB | vs in memory | load |
|---:|---|---:|---:|---:|---:|---:|
{table}

Command: `python benchmarks/bench_scoring.py{' --quick' if args.quick else ''}` — {machine_description()}""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
