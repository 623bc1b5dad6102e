"""Customer-base models at scale: BG/NBD, Pareto/NBD and Gamma-Gamma on 10M customers, CLV written in chunks.

Ten million customers are simulated from the BG/NBD model (CDNOW-like parameters, 39 weeks) with
Gamma-Gamma spend, saved to Parquet, and then, each step in a fresh process reading that file:

* ``bgnbd``     BG/NBD fit (row compression, a first fit on rounded rows, warm-started BFGS on all rows);
* ``paretonbd`` Pareto/NBD fit on the same customers;
* ``gammagamma`` Gamma-Gamma fit on the repeat buyers;
* ``values``    P(alive), expected purchases and 12-month CLV for all 10M customers, written to Parquet in
                chunks of 1M (:func:`crmlab.clv.write_customer_values`).

Peak MB is the process's peak RSS above its RSS after reading the data. Target (issue #8): the BG/NBD fit on
10M customers under 10 s on 2 cores.

    python benchmarks/bench_scale.py            # 10M customers
    python benchmarks/bench_scale.py --quick    # 1M customers
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import machine_description, write_section  # noqa: E402

BG_TRUTH = {"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4}
GG_TRUTH = {"p": 6.25, "q": 3.74, "gamma": 15.44}

CHILD = r"""
import json, sys, time
import pandas as pd
import crmlab as cl
step, path, out = sys.argv[1:4]
def status_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
data = pd.read_parquet(path)
cl.clv.BetaGeo
open("/proc/self/clear_refs", "w").write("5")
base = status_mb("VmRSS")
start = time.perf_counter()
result = {}
if step == "values":
    model = cl.clv.BetaGeo().fit(data)
    spend = cl.clv.GammaGamma().fit(data[data["frequency"] > 0])
    fitted = time.perf_counter()
    cl.clv.write_customer_values(out, model, spend, data, chunk_size=1_000_000, progress=False, horizon=12,
                                 discount_rate=0.01, freq="M")
    result["fit_seconds"] = fitted - start
    result["rows_written"] = len(pd.read_parquet(out, columns=["clv"]))
else:
    name = {"bgnbd": "BetaGeo", "paretonbd": "ParetoNBD", "gammagamma": "GammaGamma"}[step]
    rows = data[data["frequency"] > 0] if step == "gammagamma" else data
    model = getattr(cl.clv, name)().fit(rows)
    result.update(params=model.params_.round(4).tolist(), unique_rows=model.n_unique_rows_, customers=len(rows))
result.update(seconds=time.perf_counter() - start, peak_mb=status_mb("VmHWM") - base)
print(json.dumps(result))
"""


def prepare(n: int, folder: Path) -> Path:
    import crmlab as cl

    path = folder / f"scale_{n}.parquet"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        data = cl.datasets.simulate_bgnbd(n, 39, seed=1, **BG_TRUTH)[["frequency", "recency", "T"]]
        data["monetary"] = cl.datasets.simulate_gammagamma(data["frequency"], seed=2, **GG_TRUTH)["monetary"]
        data.to_parquet(path)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1M customers instead of 10M")
    args = parser.parse_args(argv)
    n = 1_000_000 if args.quick else 10_000_000
    path = prepare(n, HERE / "output")
    rows = []
    for step in ("bgnbd", "paretonbd", "gammagamma", "values"):
        out = HERE / "output" / f"values_{n}.parquet"
        done = subprocess.run([sys.executable, "-c", CHILD, step, str(path), str(out)], check=True,
                              capture_output=True, text=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(step, result, flush=True)
        if step == "values":
            detail = f"fits {result['fit_seconds']:.1f} s, then {result['rows_written']:,} rows written in 1M chunks"
        else:
            detail = (f"{result['customers']:,} customers → {result['unique_rows']:,} unique rows; "
                      f"estimates {result['params']}")
        rows.append(f"| {step} | {result['seconds']:.1f} | {result['peak_mb']:,.0f} | {detail} |")
        out.unlink(missing_ok=True)
    table = "\n".join(["| step | seconds | peak MB | detail |", "|---|---:|---:|---|", *rows])
    write_section("models at scale", f"""{n:,} customers simulated from BG/NBD ({BG_TRUTH}, 39 weeks) with
Gamma-Gamma spend ({GG_TRUTH}); each step in a fresh process reading the same Parquet file. Target (issue #8):
BG/NBD fit on 10M customers under 10 s on 2 cores.

{table}

Command: `python benchmarks/bench_scale.py{' --quick' if args.quick else ''}` — {machine_description()}""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
