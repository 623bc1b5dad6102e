"""Customer summary: crmlab vs lifetimes, side by side on the same seeded logs.

Each measurement runs in a fresh Python process that starts from the same
Parquet file, so both tools pay for reading the log, and peak memory is that
process's own (peak RSS minus the RSS after imports). Three variants:

* ``lifetimes``        pd.read_parquet + summary_data_from_transaction_data (daily)
* ``crmlab-dataframe`` pd.read_parquet + crmlab.customer_summary(DataFrame)
* ``crmlab-file``      crmlab.customer_summary(path): DuckDB scans the file
* ``read-only``        pd.read_parquet alone: the share of the first two that is
                       only loading the log into pandas

Results of the tools are compared (equal frequency, recency and T; monetary to
1e-9) before any figure is recorded.

    python benchmarks/bench_summary.py            # 1M and 10M rows, 3 repeats
    python benchmarks/bench_summary.py --quick    # 1M rows, 1 repeat
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import machine_description, write_section  # noqa: E402
from synthetic import write_log  # noqa: E402

CHILD = r"""
import json, sys, time
import pandas as pd
variant, path, out = sys.argv[1:4]
if variant == "lifetimes":
    from lifetimes.utils import summary_data_from_transaction_data
elif variant != "read-only":
    import crmlab
    crmlab.customer_summary  # import the summary module and Ibis/DuckDB before measuring
    import ibis; ibis.duckdb.connect()
def status_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS: imports excluded
base = status_mb("VmRSS")
start = time.perf_counter()
if variant == "lifetimes":
    log = pd.read_parquet(path)
    summary = summary_data_from_transaction_data(log, "customer_id", "date", "amount")
    summary = summary.rename(columns={"monetary_value": "monetary"})
elif variant == "read-only":
    summary = pd.DataFrame({"rows": [len(pd.read_parquet(path))]})
elif variant == "crmlab-dataframe":
    summary = crmlab.customer_summary(pd.read_parquet(path))
else:
    summary = crmlab.customer_summary(path)
seconds = time.perf_counter() - start
summary.sort_index().astype("float64").to_parquet(out)
print(json.dumps({"seconds": seconds, "peak_mb": status_mb("VmHWM") - base}))
"""

VARIANTS = ("lifetimes", "crmlab-dataframe", "crmlab-file", "read-only")


def measure(variant: str, path: Path, out: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, variant, str(path), str(out)],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def check_equal(outputs: dict[str, Path]) -> None:
    import pandas as pd

    reference = pd.read_parquet(outputs["lifetimes"])
    for variant, path in outputs.items():
        if variant == "read-only":
            continue
        ours = pd.read_parquet(path)
        assert ours.index.equals(reference.index), variant
        assert (ours[["frequency", "recency", "T"]] == reference[["frequency", "recency", "T"]]).all().all(), variant
        assert ((ours["monetary"] - reference["monetary"]).abs() <= 1e-9 * reference["monetary"].abs().max()).all()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1M rows, one repeat")
    parser.add_argument("--sizes", type=int, nargs="*", default=None)
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args(argv)
    sizes = args.sizes or ([1_000_000] if args.quick else [1_000_000, 10_000_000])
    repeats = args.repeats or (1 if args.quick else 3)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for n in sizes:
            path = write_log(n, HERE / "output")
            results = {}
            outputs = {v: Path(scratch) / f"{v}_{n}.parquet" for v in VARIANTS}
            for variant in VARIANTS:
                runs = [measure(variant, path, outputs[variant]) for _ in range(repeats)]
                results[variant] = {"seconds": statistics.median(r["seconds"] for r in runs),
                                    "peak_mb": statistics.median(r["peak_mb"] for r in runs)}
                print(n, variant, results[variant], flush=True)
            check_equal(outputs)
            base = results["lifetimes"]
            for variant in VARIANTS:
                r = results[variant]
                rows.append(f"| {n:,} | {variant} | {r['seconds']:.2f} | {base['seconds'] / r['seconds']:.1f}x "
                            f"| {r['peak_mb']:,.0f} | {r['peak_mb'] / base['peak_mb']:.2f} |")
    table = "\n".join([
        "| log rows | variant | median seconds | speed-up vs lifetimes | peak MB | memory vs lifetimes |",
        "|---:|---|---:|---:|---:|---:|", *rows])
    command = "python benchmarks/bench_summary.py" + (" --quick" if args.quick else "")
    write_section("customer summary", f"""Daily customer summary (frequency, recency, T, monetary) of a seeded synthetic
invoice-line log (`benchmarks/synthetic.py`: 20 lines per customer, 4 lines per invoice, timestamps to the
second over two years), each variant in a fresh process starting from the same Parquet file; medians of
{repeats} run(s). Outputs checked equal before recording. Peak MB is the process's peak RSS (VmHWM, reset after the
imports) above its RSS after the imports.

{table}

Command: `{command}` — {machine_description()}""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
