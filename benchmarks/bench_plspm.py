"""PLS path modelling: crmlab vs the Python port of plspm (0.5.7, run in its own environment with pandas < 3).

The ECSI model on the mobile-phone survey (250 × 24), centroid scheme, indicators centred (``scaled=False``,
the setting in which plspm's results agree with R's; its ``scaled=True`` does not standardise each
indicator). Each tool fits the model 20 times in a fresh process (median time, after one warm-up fit);
the path coefficients of the two are compared before any figure is recorded. Also timed: 1,000 crmlab
bootstrap resamples of the same model.

    python benchmarks/bench_plspm.py [--plspm-python PATH]   # PATH: made by `make bench-peers`
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

CRMLAB = r"""
import json, statistics, sys, time
import crmlab as cl
data, model = cl.datasets.load_ecsi(), cl.satisfaction.ecsi_model()
fit = lambda: cl.satisfaction.plspm(data, model, scheme="centroid", scaled=False)
fit()
times = []
for _ in range(20):
    start = time.perf_counter(); result = fit(); times.append(time.perf_counter() - start)
start = time.perf_counter(); result.bootstrap(1000, seed=0, progress=False); boot = time.perf_counter() - start
paths = {f"{a}->{b}": v for a, b, v in result.paths().itertuples(index=False)}
print(json.dumps({"seconds": statistics.median(times), "bootstrap_seconds": boot, "paths": paths}))
"""

PLSPM = r"""
import json, statistics, sys, time
import pandas as pd
import plspm.config as c
from plspm.plspm import Plspm
from plspm.scheme import Scheme
from plspm.mode import Mode
data = pd.read_csv(sys.argv[1])
names = ["Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty"]
paths = json.loads(sys.argv[2])
matrix = pd.DataFrame(0, index=names, columns=names)
for cause, effect in paths:
    matrix.loc[effect, cause] = 1
blocks = json.loads(sys.argv[3])
def fit():
    config = c.Config(matrix, scaled=False)
    for name in names:
        config.add_lv(name, Mode.A, *[c.MV(column) for column in blocks[name]])
    return Plspm(data, config, Scheme.CENTROID)
fit()
times = []
for _ in range(20):
    start = time.perf_counter(); result = fit(); times.append(time.perf_counter() - start)
coefficients = result.path_coefficients()
print(json.dumps({"seconds": statistics.median(times),
                  "paths": {f"{a}->{b}": float(coefficients.loc[b, a]) for a, b in paths}}))
"""


def main(argv=None) -> int:
    import crmlab as cl

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plspm-python", type=Path, default=HERE / ".venv-plspm" / "bin" / "python")
    args = parser.parse_args(argv)
    ours = json.loads(subprocess.run([sys.executable, "-c", CRMLAB], check=True, capture_output=True,
                                     text=True).stdout.strip().splitlines()[-1])
    rows = [f"| crmlab | {ours['seconds'] * 1000:.1f} | — |"]
    note = "plspm 0.5.7 not run: no environment at " + str(args.plspm_python) + " (make bench-peers)"
    if args.plspm_python.is_file():
        model = cl.satisfaction.ecsi_model()
        done = subprocess.run([str(args.plspm_python), "-c", PLSPM, str(cl.paths.RAW_DATA / "ecsi_mobi.csv"),
                               json.dumps(model.paths), json.dumps(model.blocks)], capture_output=True, text=True)
        if done.returncode == 0:
            peer = json.loads(done.stdout.strip().splitlines()[-1])
            gap = max(abs(ours["paths"][k] - peer["paths"][k]) for k in ours["paths"])
            rows.append(f"| plspm 0.5.7 (pandas 2) | {peer['seconds'] * 1000:.1f} | "
                        f"{peer['seconds'] / ours['seconds']:.0f}x |")
            note = f"largest difference in the 12 path coefficients: {gap:.1e}"
        else:
            note = "plspm 0.5.7 failed: " + done.stderr.strip().splitlines()[-1][:200]
    print("\n".join(rows), note, sep="\n")
    write_section("PLS path modelling", f"""One ECSI fit (mobile survey, 250 × 24, centroid, centred indicators),
median of 20 in a fresh process per tool. Targets (issue #5): ≥ 20× faster than plspm 0.5.7; 1,000 bootstrap
resamples under 10 s.

| tool | median ms per fit | plspm / crmlab |
|---|---:|---:|
{chr(10).join(rows)}

{note}. 1,000 crmlab bootstrap resamples of the same model: {ours['bootstrap_seconds']:.2f} s.

Command: `python benchmarks/bench_plspm.py` — {machine_description()}""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
