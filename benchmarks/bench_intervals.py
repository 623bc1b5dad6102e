"""Intervals for predictions (crmlab.clv.intervals) on 1,000,000 customers: time and peak memory.

Customers are simulated from BG/NBD and Pareto/NBD (seed 1), acquired over 39 weeks, with recency and T
in whole days (expressed in weeks), as a customer summary of a daily log has them. Cases, each in a
fresh process, the model fitted before the clock starts:

* ``<model>-draws-total``     500 parameter draws, then the interval of the base's expected purchases in
                              the next 52 weeks (``total_interval``)
* ``<model>-draws-customer``  the same, per customer (``prediction_interval``, 1M rows of estimate/lower/upper)
* ``paretonbd-clv-total``     500 draws of Pareto/NBD and of Gamma-Gamma, the interval of the base's 12-month CLV
* ``<model>-bootstrap``       3 bootstrap refits on resampled customers: the cost of one refit

No peer computes such intervals in Python: lifetimes has none (it gives standard errors of the parameters
only), pymc-marketing gets them from posterior samples of a Bayesian fit (a different method, whose fitting
cost is in bench_models.py). R's CLVTools has bootstrap intervals (``predict(..., uncertainty="boots")``);
R is not installed on the benchmark machine, so it is not run here.

    python benchmarks/bench_intervals.py            # 1M customers
    python benchmarks/bench_intervals.py --quick    # 100k customers
    python benchmarks/bench_intervals.py --cases bgnbd-draws-total   # one case again, the others' rows kept
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import RESULTS, machine_description, write_section  # noqa: E402

BG_TRUTH = {"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4}
PNBD_TRUTH = {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}
GG_TRUTH = {"p": 6.25, "q": 3.74, "gamma": 15.44}
N_DRAWS = 500
N_REFITS = 3
CASES = ["paretonbd-draws-total", "paretonbd-draws-customer", "paretonbd-clv-total", "paretonbd-bootstrap",
         "bgnbd-bootstrap", "bgnbd-draws-total"]

CHILD = r"""
import json, sys, time, warnings
import pandas as pd
import crmlab as cl
from crmlab.clv import intervals
case, path, n_draws, n_refits = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = pd.read_parquet(path)
data = cl.frames.with_info(data, cl.frames.TableInfo(cl.frames.CUSTOMER_SUMMARY, time_unit="W"))
def status_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
model = (cl.clv.BetaGeo if case.startswith("bgnbd") else cl.clv.ParetoNBD)()
model.fit(data[["frequency", "recency", "T"]])
spend = cl.clv.GammaGamma().fit(data) if "clv" in case else None
open("/proc/self/clear_refs", "w").write("5")
base = status_mb("VmRSS")
start = time.perf_counter()
result = {"unique_rows": int(data[["frequency", "recency", "T"]].drop_duplicates().shape[0])}
if case.endswith("bootstrap"):
    boot = intervals.bootstrap_draws(model, data, n_refits, seed=0, progress=False)
    result.update(failed=boot.attrs["failed"])
else:
    draws = intervals.parameter_draws(model, n_draws, seed=0)
    if "clv" in case:
        spend_draws = intervals.parameter_draws(spend, n_draws, seed=1)
        total = intervals.total_interval(model, data, "clv", draws=draws, spend_model=spend, spend_draws=spend_draws,
                                         horizon=12, discount_rate=0.01, freq="M")
        result.update(interval=total.round(1).tolist())
    elif case.endswith("total"):
        total = intervals.total_interval(model, data, "expected_purchases", t=52, draws=draws)
        result.update(interval=total.round(1).tolist())
    else:
        table = intervals.prediction_interval(model, data, "expected_purchases", t=52, draws=draws)
        result.update(mean_width=float((table["upper"] - table["lower"]).mean()))
seconds = time.perf_counter() - start
result.update(seconds=seconds, peak_mb=status_mb("VmHWM") - base)
print(json.dumps(result))
"""


def prepare(model: str, n: int, folder: Path) -> Path:
    """Simulated customers with recency and T in whole days, expressed in weeks, and their mean spend."""
    import numpy as np

    import crmlab as cl

    path = folder / f"{model}.parquet"
    T = np.random.default_rng(0).integers(1, 39 * 7 + 1, n) / 7  # acquired on one of the 273 days
    if model == "bgnbd":
        data = cl.datasets.simulate_bgnbd(n, T, seed=1, **BG_TRUTH)[["frequency", "recency", "T"]]
    else:
        data = cl.datasets.simulate_paretonbd(n, T, seed=1, **PNBD_TRUTH)[["frequency", "recency", "T"]]
    data["monetary"] = cl.datasets.simulate_gammagamma(data["frequency"], seed=2, **GG_TRUTH)["monetary"]
    data["recency"] = np.minimum(np.round(data["recency"] * 7) / 7, data["T"])
    data.reset_index(drop=True).to_parquet(path)
    return path


def run(case: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, case, str(path), str(N_DRAWS), str(N_REFITS)],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100k customers instead of 1M")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=CASES,
                        help="run these cases only; the recorded rows of the others are kept")
    args = parser.parse_args(argv)
    n = 100_000 if args.quick else 1_000_000
    cases = args.cases
    rows = [row for row in recorded_rows() if row.split("|")[1].strip() not in cases]
    with tempfile.TemporaryDirectory() as scratch:
        paths = {model: prepare(model, n, Path(scratch)) for model in ("bgnbd", "paretonbd")}
        for case in cases:
            result = run(case, paths[case.split("-")[0]])
            print(case, result, flush=True)
            if case.endswith("bootstrap"):
                what = f"{N_REFITS} refits ({result['failed']} failed): {result['seconds'] / N_REFITS:.1f} s per refit"
            elif "interval" in result:
                estimate, lower, upper = result["interval"]
                what = f"total {estimate:,.0f}, 90 % interval [{lower:,.0f}, {upper:,.0f}]"
            else:
                what = f"mean width of the customers' 90 % intervals {result['mean_width']:.4f}"
            rows = [row for row in rows if row.split("|")[1].strip() != case]
            rows.append(f"| {case} | {result['unique_rows']:,} | {result['seconds']:.1f} | {result['peak_mb']:,.0f} | "
                        f"{what} |")
            record(rows, n, args.quick)  # after every case: a long run that stops keeps what it measured
    return 0


def recorded_rows() -> list[str]:
    """The table rows of this benchmark's section of RESULTS.md, as last recorded."""
    text = RESULTS.read_text() if RESULTS.is_file() else ""
    section = text.split("## prediction intervals", 1)[1].split("\n## ", 1)[0] if "## prediction intervals" in text \
        else ""
    return [line for line in section.splitlines() if line.split("|")[1:2] and line.split("|")[1].strip() in CASES]


def record(rows: list[str], n: int, quick: bool) -> None:
    rows = sorted(rows, key=lambda row: CASES.index(row.split("|")[1].strip()))
    table = "\n".join(["| case | distinct (x, t_x, T) | seconds | peak MB | result |", "|---|---:|---:|---:|---|",
                       *rows])
    command = "python benchmarks/bench_intervals.py" + (" --quick" if quick else "")
    write_section("prediction intervals", f"""Intervals from parameter uncertainty (`crmlab.clv.intervals`) for
{n:,} simulated customers (BG/NBD r = 0.25, α = 4.4, a = 0.8, b = 2.4; Pareto/NBD r = 0.55, α = 10.6,
s = 0.6, β = 11.7; acquired over 39 weeks, recency and T in whole days), each case in a fresh process with the
model fitted before the clock starts: {N_DRAWS} parameter draws from the asymptotic normal, the interval of
the base's expected purchases in the next 52 weeks in total and per customer, the 12-month CLV of the base
with the Gamma-Gamma spend model's own {N_DRAWS} draws, and the cost of one bootstrap refit ({N_REFITS} refits
on customers resampled with replacement). Peak MB is the rise of the process's peak resident memory during
the timed step. No peer to run: lifetimes has no prediction intervals; CLVTools' bootstrap intervals
(`predict(..., uncertainty="boots")`) need R, which is not installed here. Load average of the machine
when the last case ended: {os.getloadavg()[0]:.1f} (on 2 cores; above 2, other jobs shared them).

{table}

Command: `{command}` — {machine_description()}""")


if __name__ == "__main__":
    raise SystemExit(main())
