"""Out-of-core customer summary: a 100M-row Parquet log through DuckDB within a 4 GB peak-memory budget.

The log (`synthetic.write_large_log`: 100M invoice lines, 5M customers, two years, written 10M rows at a
time) is summarised in a fresh process by :func:`crmlab.customer_summary` on a DuckDB connection with a
3 GB buffer limit, two threads and a spill folder (:func:`crmlab.backends.duckdb`), printing DuckDB's
progress bar. The process's peak resident memory (VmHWM) is the figure held against the 4 GB budget;
it includes Python, the libraries and the 5M-row result.

    python benchmarks/bench_out_of_core.py            # 100M rows
    python benchmarks/bench_out_of_core.py --quick    # 10M rows
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
from synthetic import write_large_log  # noqa: E402

BUDGET_MB = 4096

CHILD = r"""
import json, sys, time
import crmlab as cl
path, spill = sys.argv[1:3]
def status_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
start = time.perf_counter()
con = cl.backends.duckdb(memory_limit="3GB", threads=2, temp_directory=spill, progress=True)
summary = cl.customer_summary(path, backend=con)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_mb": status_mb("VmHWM"), "customers": len(summary),
                  "purchases": int(summary["frequency"].sum() + len(summary))}))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10M rows instead of 100M")
    args = parser.parse_args(argv)
    n_rows = 10_000_000 if args.quick else 100_000_000
    path = write_large_log(n_rows, HERE / "output")
    spill = HERE / "output" / "duckdb_spill"
    spill.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(spill)], check=True, stdout=subprocess.PIPE,
                          text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(result)
    verdict = "within" if result["peak_mb"] <= BUDGET_MB else "OVER"
    size_gb = path.stat().st_size / 1e9
    row = (f"| {n_rows:,} | {result['customers']:,} | {result['purchases']:,} | {result['seconds']:.1f} | "
           f"{result['peak_mb']:,.0f} | {verdict} {BUDGET_MB:,} MB |")
    write_section("out-of-core summary", f"""{n_rows:,}-row Parquet log ({size_gb:.1f} GB on disk, seeded,
`benchmarks/synthetic.py`) summarised by DuckDB through `crmlab.customer_summary(path, backend=crmlab.backends.duckdb(
memory_limit="3GB", threads=2, temp_directory=...))` in a fresh process, with DuckDB's progress bar. Target
(issue #8): peak memory within {BUDGET_MB:,} MB.

| log rows | customers | purchases (customer-days) | seconds | peak RSS MB | budget |
|---:|---:|---:|---:|---:|---|
{row}

Command: `python benchmarks/bench_out_of_core.py{' --quick' if args.quick else ''}` — {machine_description()}""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
