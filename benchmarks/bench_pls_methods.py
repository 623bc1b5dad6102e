"""The PLS methods of issue 18 on the ECSI model (mobile survey, 250 × 24): consistent PLS with 5,000 bootstrap
resamples, a multi-group permutation test (1,000 permutations), PLS-MGA, MICOM and PLSpredict (10 folds ×
10 repetitions), timed in one fresh process; beside them the peers that run here, each in its own process:

* plspm 0.5.7 (Python port of R plspm; no PLSc, MGA or PLSpredict) bootstrapping plain PLS — the same
  bootstrap is timed for crmlab (centroid, centred indicators, as bench_plspm.py; plspm spreads its
  resamples over 2 processes, crmlab uses one);
* semopy (CB-SEM by maximum likelihood) fitting the same model as common factors, beside one crmlab PLSc fit
  (median of 10 fits each; different estimators of the same model, so the ratio says what the side-by-side
  comparison costs, not which is better).

    python benchmarks/bench_pls_methods.py [--plspm-python PATH] [--quick]   # PATH: made by `make bench-peers`
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import machine_description, write_section  # noqa: E402

CRMLAB = r"""
import json, statistics, sys, time, warnings
import numpy as np
import crmlab as cl
from crmlab.satisfaction import ecsi_model, mga, micom, plspm, pls_predict
warnings.simplefilter("ignore")  # the ECSI PLSc solution is a Heywood case; flagged, not a benchmark concern
sizes = json.loads(sys.argv[1])
data, model = cl.datasets.load_ecsi(), ecsi_model()
groups = data.assign(group=np.where(np.random.default_rng(0).random(len(data)) < 0.5, "a", "b"))
out = {}
def timed(name, call):
    start = time.perf_counter(); value = call(); out[name] = time.perf_counter() - start; return value
plsc = timed("plsc_fit", lambda: plspm(data, model, scheme="factorial", consistent=True))
fits = []
for _ in range(10):
    start = time.perf_counter(); plspm(data, model, scheme="factorial", consistent=True)
    fits.append(time.perf_counter() - start)
out["plsc_fit_median"] = statistics.median(fits)
boot = timed("plsc_bootstrap", lambda: plsc.bootstrap(sizes["bootstrap"], seed=0, progress=False))
out["plsc_bootstrap_inadmissible"] = boot.inadmissible
timed("mga_permutation", lambda: mga(groups, model, group="group", n_bootstrap=0,
                                     n_permutations=sizes["permutations"], progress=False))
timed("pls_mga", lambda: mga(groups, model, group="group", n_bootstrap=sizes["mga_bootstrap"], n_permutations=0,
                             progress=False))
timed("micom", lambda: micom(groups, model, group="group", n_permutations=sizes["permutations"], progress=False))
timed("pls_predict", lambda: pls_predict(data, model, folds=10, repeats=10, progress=False))
plain = plspm(data, model, scheme="centroid", scaled=False)
timed("pls_bootstrap_peer_size", lambda: plain.bootstrap(sizes["peer_bootstrap"], seed=0, progress=False))
print(json.dumps(out))
"""

PLSPM = r"""
import json, sys, time
import pandas as pd
import plspm.config as c
from plspm.plspm import Plspm
from plspm.scheme import Scheme
from plspm.mode import Mode
data = pd.read_csv(sys.argv[1])
names = ["Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty"]
paths, blocks, resamples = json.loads(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
matrix = pd.DataFrame(0, index=names, columns=names)
for cause, effect in paths:
    matrix.loc[effect, cause] = 1
config = c.Config(matrix, scaled=False)
for name in names:
    config.add_lv(name, Mode.A, *[c.MV(column) for column in blocks[name]])
start = time.perf_counter()
Plspm(data, config, Scheme.CENTROID, bootstrap=True, bootstrap_iterations=resamples)
print(json.dumps({"seconds": time.perf_counter() - start}))
"""

SEMOPY = r"""
import json, statistics, sys, time
import crmlab as cl
from crmlab.satisfaction import cbsem, ecsi_model
data, model = cl.datasets.load_ecsi(), ecsi_model()
cbsem(data, model)
times = []
for _ in range(10):
    start = time.perf_counter(); cbsem(data, model); times.append(time.perf_counter() - start)
print(json.dumps({"seconds": statistics.median(times)}))
"""


def _run(command: list[str]) -> dict | str:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    import crmlab as cl

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plspm-python", type=Path, default=HERE / ".venv-plspm" / "bin" / "python")
    parser.add_argument("--quick", action="store_true", help="1/10 of the resamples")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    sizes = {"bootstrap": 5000 // scale, "permutations": 1000 // scale, "mga_bootstrap": 500 // scale,
             "peer_bootstrap": 200 // scale}
    load_before = os.getloadavg()[0]
    ours = _run([sys.executable, "-c", CRMLAB, json.dumps(sizes)])
    if isinstance(ours, str):
        raise SystemExit(f"crmlab run failed: {ours}")
    model = cl.satisfaction.ecsi_model()
    peer = ("no environment at " + str(args.plspm_python) + " (make bench-peers)" if not args.plspm_python.is_file()
            else _run([str(args.plspm_python), "-c", PLSPM, str(cl.paths.RAW_DATA / "ecsi_mobi.csv"),
                       json.dumps(model.paths), json.dumps(model.blocks), str(sizes["peer_bootstrap"])]))
    semopy = _run([sys.executable, "-c", SEMOPY])
    load = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end on {os.cpu_count()} cores"

    def versus(seconds, other, unit=1.0):
        if isinstance(other, str):
            return f"not run: {other}", "—"
        return f"{other['seconds'] * unit:.2f}", f"{other['seconds'] / seconds:.0f}x"

    plspm_cell, plspm_ratio = versus(ours["pls_bootstrap_peer_size"], peer)
    semopy_cell, semopy_ratio = versus(ours["plsc_fit_median"], semopy, unit=1000)
    rows = [
        f"| PLSc fit (factorial) | {ours['plsc_fit_median'] * 1000:.1f} ms | semopy CB-SEM ML fit | "
        f"{semopy_cell} ms | {semopy_ratio} |",
        f"| PLSc + {sizes['bootstrap']:,} bootstrap resamples | {ours['plsc_bootstrap']:.2f} s | — | — | — |",
        f"| plain PLS, {sizes['peer_bootstrap']} bootstrap resamples (centroid, centred) | "
        f"{ours['pls_bootstrap_peer_size']:.2f} s | plspm 0.5.7 (2 processes) | {plspm_cell} s | {plspm_ratio} |",
        f"| MGA permutation test, {sizes['permutations']:,} permutations | {ours['mga_permutation']:.2f} s "
        "| — | — | — |",
        f"| PLS-MGA, {sizes['mga_bootstrap']} bootstrap resamples per group | {ours['pls_mga']:.2f} s | — | — | — |",
        f"| MICOM, {sizes['permutations']:,} permutations | {ours['micom']:.2f} s | — | — | — |",
        f"| PLSpredict, 10 folds × 10 repetitions | {ours['pls_predict']:.2f} s | — | — | — |",
    ]
    print("\n".join(rows))
    write_section("PLS methods: PLSc, multi-group, prediction", f"""ECSI model on the mobile survey (250 × 24), each
tool in a fresh process on one machine. crmlab refits every resample from the indicator covariance matrix (the
PLS iterations cost O(p²k), independent of n) without building DataFrames. Of the {sizes['bootstrap']:,} PLSc
resamples {ours['plsc_bootstrap_inadmissible']:,} are inadmissible (the full-sample ECSI PLSc solution already
is: Expectation's ρA is 0.46); they are kept and counted, as seminr does. Peers: plspm 0.5.7 has no PLSc, MGA or
PLSpredict, so its plain-PLS bootstrap is timed against crmlab's; semopy estimates the same model by CB-SEM.
The tools run one after the other ({load}); on a shared machine the ratios move with the load.

| task | crmlab | peer | peer time | peer / crmlab |
|---|---:|---|---:|---:|
{chr(10).join(rows)}

Command: `python benchmarks/bench_pls_methods.py{' --quick' if args.quick else ''}` — {machine_description()}""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
