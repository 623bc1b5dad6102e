"""Regularity and ageing models: fit and prediction times of MBG/CNBD-k and GGompertz/NBD beside BG/NBD.

No Python library implements these models: their peers are R packages (BTYDplus for (M)BG/CNBD-k,
CLVTools for GGompertz/NBD), and R is not installed here, so the figures are absolute times set
against crmlab's own BG/NBD on the same data (the model they extend, and the speed of the other
benchmarks).

Cases (weeks; data prepared before the clock starts; median of ``--repeats`` runs in one process):

* grocery      BTYDplus' grocery log, 52-week calibration to 2006-12-31 (1,525 customers)
* cdnow        CDNOW sample, 39-week calibration (2,357 customers)
* cdnow-master CDNOW master, 39-week calibration (23,570 customers)

For each: MBG/CNBD-k with k chosen by likelihood (the k = 1, 2, ... fits, stopped as BTYDplus stops),
MBG/CNBD-k at each fixed k of the search, GGompertz/NBD, BG/NBD; and the expected purchases of every
customer in the next 52 weeks at the fitted parameters.

    python benchmarks/bench_regular.py             # all cases, 3 repeats
    python benchmarks/bench_regular.py --quick     # grocery and cdnow, 1 repeat
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import machine_description, write_section  # noqa: E402

import crmlab as cl  # noqa: E402
from crmlab.errors import CrmlabWarning  # noqa: E402


def _summaries(quick: bool) -> dict:
    grocery = cl.datasets.load_grocery()
    cases = {"grocery": (grocery, "2006-12-31"), "cdnow": (cl.datasets.load_cdnow("sample"), "1997-09-30")}
    if not quick:
        cases["cdnow-master"] = (cl.datasets.load_cdnow("master"), "1997-09-30")
    summaries = {}
    for name, (log, end) in cases.items():
        summary = cl.customer_summary(log, observation_end=end, time_unit="W", amount_col=None)
        summaries[name] = cl.add_intertransaction_times(summary, log)
    return summaries


def _median_time(make, data, repeats: int):
    times, model = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        model = make().fit(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times), model


def _prediction_time(model, data, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.expected_purchases(52, data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    rows = []
    warnings.simplefilter("ignore", CrmlabWarning)  # GGompertz/NBD ends at its Pareto/NBD limit on CDNOW
    for name, data in _summaries(args.quick).items():
        base_time, base = _median_time(cl.clv.BetaGeo, data, repeats)
        base_predict = _prediction_time(base, data, repeats)
        chosen_time, chosen = _median_time(cl.clv.ModifiedBetaGeoCNBD, data, repeats)
        fits = [("BG/NBD", base_time, base, base_predict),
                (f"MBG/CNBD-k, k chosen (k = 1..{chosen.regularity_table_.index.max()})", chosen_time, chosen,
                 _prediction_time(chosen, data, repeats))]
        for k in chosen.regularity_table_.index:
            seconds, model = _median_time(lambda k=k: cl.clv.ModifiedBetaGeoCNBD(k=k), data, repeats)
            fits.append((f"MBG/CNBD-{k}", seconds, model, _prediction_time(model, data, repeats)))
        seconds, model = _median_time(cl.clv.GammaGompertzNBD, data, repeats)
        fits.append(("GGompertz/NBD" + (" (Pareto/NBD limit)" if model.limit_ else ""), seconds, model,
                     _prediction_time(model, data, repeats)))
        for label, seconds, model, predict in fits:
            rows.append(f"| {name} ({len(data):,}) | {label} | {seconds:.3f} | {seconds / base_time:.1f}x | "
                        f"{model.log_likelihood_:,.2f} | {predict:.3f} |")
        print(f"{name}: MBG/CNBD-k chose k = {chosen.k_}", flush=True)
    table = "\n".join(["| data (customers) | model | fit (s) | vs BG/NBD | log-likelihood | "
                       "52-week forecast, all customers (s) |", "|---|---|---:|---:|---:|---:|", *rows])
    command = "python benchmarks/bench_regular.py" + (" --quick" if args.quick else "")
    body = (f"{machine_description()}\n\nNo Python peer: (M)BG/CNBD-k exists only in R's BTYDplus and GGompertz/NBD "
            "in R's CLVTools, and R is not installed here; times are absolute and against crmlab's BG/NBD on the same "
            f"data. Median of {repeats} run(s) in one process. The log-likelihood of MBG/CNBD-k includes the timing "
            "term (k − 1)·litt, so it compares across k (and with BG/NBD at k = 1 only). GGompertz/NBD's likelihood "
            "is an integral per customer (tanh-sinh, 109 nodes).\n\n"
            f"{table}\n\nCommand: `{command}`")
    write_section("regular buyers and ageing: MBG/CNBD-k, GGompertz/NBD", body)
    print(table)


if __name__ == "__main__":
    main()
