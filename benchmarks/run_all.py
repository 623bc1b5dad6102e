"""The whole comparison suite in one command: every benchmark, each rewriting its section of RESULTS.md.

    python benchmarks/run_all.py            # full sizes (about half an hour on 2 cores)
    python benchmarks/run_all.py --quick    # small sizes, a few minutes

Suites and their peers: customer summary (lifetimes, pandas), customer-base models and CLV (lifetimes,
pymc-marketing MAP when `make bench-peers` has built its environment), RFM scoring (pandas), PLS path
modelling and its methods — PLSc, multi-group, PLSpredict (plspm 0.5.7 in its own environment, semopy),
models at scale and the out-of-core summary (crmlab alone,
against the issue's targets). A suite that fails is reported and the others still run; the exit code says
whether all succeeded.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

SUITES = {  # script: (full arguments, quick arguments)
    "bench_summary.py": ([], ["--quick"]),
    "bench_models.py": ([], ["--quick"]),
    "bench_rfm.py": ([], ["--customers", "200000"]),
    "bench_plspm.py": ([], []),
    "bench_pls_methods.py": ([], ["--quick"]),
    "bench_scale.py": ([], ["--quick"]),
    "bench_out_of_core.py": ([], ["--quick"]),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: a few minutes in all")
    parser.add_argument("--only", nargs="*", choices=sorted(SUITES), help="run only these scripts")
    args = parser.parse_args(argv)
    failed = []
    for script, (full, quick) in SUITES.items():
        if args.only and script not in args.only:
            continue
        start = time.perf_counter()
        print(f"== {script}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / script), *(quick if args.quick else full)])
        print(f"== {script}: {'ok' if done.returncode == 0 else 'FAILED'} in {time.perf_counter() - start:.0f} s",
              flush=True)
        if done.returncode != 0:
            failed.append(script)
    if failed:
        print("failed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
