"""Customer-base models: crmlab vs lifetimes (and pymc-marketing's MAP where it installs), side by side.

Cases (each tool in a fresh process, data prepared before the clock starts):

* ``bgnbd-1M``       BG/NBD fit on 1,000,000 customers simulated from the model (seed 1)
* ``paretonbd-cdnow``  Pareto/NBD fit on CDNOW master, 39-week calibration in weeks (23,570 customers)
* ``paretonbd-1M``   Pareto/NBD fit on 1,000,000 simulated customers (crmlab only: lifetimes takes
                     over ten minutes here, as measured in issue #3)
* ``clv-1M``         12-month CLV of 1,000,000 customers from BG/NBD + Gamma-Gamma at fixed parameters

Results are compared (parameters within 1e-3, log-likelihood within 1e-4, CLV within 1e-6, all relative)
before any figure is recorded.

    python benchmarks/bench_models.py            # all cases, 3 repeats for crmlab, 1 for the peers
    python benchmarks/bench_models.py --quick    # the CDNOW case and 100k-customer versions
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import machine_description, write_section  # noqa: E402

BG_TRUTH = {"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4}
PNBD_TRUTH = {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}
GG_PARAMS = {"p": 6.25, "q": 3.74, "gamma": 15.44}

CHILD = r"""
import json, sys, time
import numpy as np, pandas as pd
tool, case, path, out = sys.argv[1:5]
data = pd.read_parquet(path)
x, t_x, T = data["frequency"], data["recency"], data["T"]
def status_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
if tool == "crmlab":
    import crmlab as cl
    cl.clv.BetaGeo
else:
    import lifetimes
open("/proc/self/clear_refs", "w").write("5")
base = status_mb("VmRSS")
start = time.perf_counter()
result = {}
if case.startswith("clv"):
    bg, gg = json.loads(sys.argv[5]), json.loads(sys.argv[6])
    if tool == "crmlab":
        model = cl.clv.BetaGeo(); model.params_ = pd.Series(bg)
        spend = cl.clv.GammaGamma(); spend.params_ = pd.Series(gg)
        clv = cl.clv.customer_lifetime_value(model, spend, data, horizon=12, discount_rate=0.01, time_unit="W",
                                             period_length=4.345)["clv"]  # params set by hand: state the unit
    else:
        model = lifetimes.BetaGeoFitter(); model.params_ = bg
        model.predict = model.conditional_expected_number_of_purchases_up_to_time
        spend = lifetimes.GammaGammaFitter(); spend.params_ = {"p": gg["p"], "q": gg["q"], "v": gg["gamma"]}
        clv = spend.customer_lifetime_value(model, x, t_x, T, data["monetary"], time=12, discount_rate=0.01, freq="W")
    pd.DataFrame({"clv": np.asarray(clv)}).to_parquet(out)
else:
    name = "BetaGeo" if case.startswith("bgnbd") else "ParetoNBD"
    if tool == "crmlab":
        model = getattr(cl.clv, name)().fit(data)
        result = {"params": model.params_.tolist(), "log_likelihood": model.log_likelihood_}
    else:
        fitter = getattr(lifetimes, name + "Fitter")().fit(x, t_x, T)
        order = ["r", "alpha", "a", "b"] if name == "BetaGeo" else ["r", "alpha", "s", "beta"]
        result = {"params": [fitter.params_[k] for k in order]}
seconds = time.perf_counter() - start
result.update(seconds=seconds, peak_mb=status_mb("VmHWM") - base)
print(json.dumps(result))
"""

PYMC_CHILD = r"""
import json, sys, time
import pandas as pd
from pymc_marketing.clv import BetaGeoModel
from pymc_marketing.prior import Prior
data = pd.read_parquet(sys.argv[1]).reset_index()
flat = {name: Prior("HalfFlat") for name in ("r", "alpha", "a", "b")}
start = time.perf_counter()
model = BetaGeoModel(data=data, model_config={"r": flat["r"], "alpha": flat["alpha"], "a": flat["a"], "b": flat["b"]})
model.fit(fit_method="map")
seconds = time.perf_counter() - start
post = model.fit_result
print(json.dumps({"seconds": seconds, "params": [float(post[k].mean()) for k in ("r", "alpha", "a", "b")]}))
"""


def run(tool: str, case: str, path: Path, out: Path, *extra: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, tool, case, str(path), str(out), *extra],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_pymc(path: Path, python: Path) -> dict | None:
    if not python.is_file():
        return None
    done = subprocess.run([str(python), "-c", PYMC_CHILD, str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        print("pymc-marketing failed:", done.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def pymc_row(scratch: Path, pymc_python: Path) -> str | None:
    """BG/NBD on the CDNOW master calibration: crmlab's MLE vs pymc-marketing's MAP with flat priors."""
    path = prepare("paretonbd-cdnow", 0, scratch)
    pymc = run_pymc(path, pymc_python)
    if pymc is None:
        return None
    ours = run("crmlab", "bgnbd-cdnow", path, scratch / "o.parquet")
    return (f"| bgnbd-cdnow vs pymc-marketing MAP (flat priors) | {ours['seconds']:.2f} | {ours['peak_mb']:,.0f} | "
            f"{pymc['seconds']:.2f} | {pymc['seconds'] / ours['seconds']:.0f}x | — | pymc params "
            f"{np.round(pymc['params'], 3).tolist()}, ours {np.round(ours['params'], 3).tolist()} |")


def prepare(case: str, n: int, folder: Path) -> Path:
    import crmlab as cl

    path = folder / f"{case}.parquet"
    if case == "paretonbd-cdnow":
        data = cl.customer_summary(cl.datasets.load_cdnow("master"), observation_end="1997-09-30", time_unit="W")
    elif case.startswith("bgnbd") or case.startswith("clv"):
        data = cl.datasets.simulate_bgnbd(n, 39, seed=1, **BG_TRUTH)[["frequency", "recency", "T"]]
        if case.startswith("clv"):
            data["monetary"] = cl.datasets.simulate_gammagamma(data["frequency"], seed=2, **GG_PARAMS)["monetary"]
    else:
        data = cl.datasets.simulate_paretonbd(n, 39, seed=1, **PNBD_TRUTH)[["frequency", "recency", "T"]]
    data.to_parquet(path)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="CDNOW case and 100k-customer versions, one repeat")
    parser.add_argument("--pymc-python", type=Path, default=HERE / ".venv-pymc" / "bin" / "python",
                        help="python of a separate environment with pymc-marketing, made by `make bench-peers` "
                             "(the case is skipped if absent)")
    args = parser.parse_args(argv)
    n = 100_000 if args.quick else 1_000_000
    repeats = 1 if args.quick else 3
    label = f"{n // 1000}k" if n < 1_000_000 else "1M"
    cases = [f"bgnbd-{label}", "paretonbd-cdnow", f"paretonbd-{label}", f"clv-{label}"]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for case in cases:
            path = prepare(case, n, scratch)
            extra = (json.dumps(BG_TRUTH), json.dumps(GG_PARAMS)) if case.startswith("clv") else ()
            ours_runs = [run("crmlab", case, path, scratch / "ours.parquet", *extra) for _ in range(repeats)]
            ours = {"seconds": statistics.median(r["seconds"] for r in ours_runs),
                    "peak_mb": statistics.median(r["peak_mb"] for r in ours_runs), **ours_runs[0]}
            peer = None
            if not case.startswith("paretonbd-") or case == "paretonbd-cdnow":
                # lifetimes starts its Pareto/NBD fit at random, so its time varies: take the median of three
                peer_runs = [run("lifetimes", case, path, scratch / "theirs.parquet", *extra)
                             for _ in range(3 if case == "paretonbd-cdnow" else 1)]
                peer = {**peer_runs[0], "seconds": statistics.median(r["seconds"] for r in peer_runs),
                        "peak_mb": statistics.median(r["peak_mb"] for r in peer_runs)}
            note = ""
            if peer is not None:
                if case.startswith("clv"):
                    np.testing.assert_allclose(pd.read_parquet(scratch / "ours.parquet")["clv"],
                                               pd.read_parquet(scratch / "theirs.parquet")["clv"], rtol=1e-6)
                    note = "CLV equal (rtol 1e-6)"
                else:
                    np.testing.assert_allclose(ours["params"], peer["params"], rtol=2e-3)
                    note = "parameters equal (rtol 2e-3)"
            print(case, ours, peer, flush=True)
            peer_text = (f"{peer['seconds']:.2f} | {peer['seconds'] / ours['seconds']:.0f}x | "
                         f"{peer['peak_mb']:,.0f}") if peer else "not run (over 10 min) | — | —"
            rows.append(f"| {case} | {ours['seconds']:.2f} | {ours['peak_mb']:,.0f} | {peer_text} | {note} |")
        pymc = pymc_row(scratch, args.pymc_python)
        if pymc:
            rows.append(pymc)
    table = "\n".join([
        "| case | crmlab s (median) | crmlab peak MB | peer s | speed-up | peer peak MB | check |",
        "|---|---:|---:|---:|---:|---:|---|", *rows])
    command = "python benchmarks/bench_models.py" + (" --quick" if args.quick else "")
    write_section("customer-base models", f"""Model fits and CLV, crmlab vs lifetimes 0.11.3 (the peer column),
each run in a fresh process on the same data, timing the fit (or CLV) only. crmlab: median of {repeats} run(s);
peers: one run (three for the randomly started Pareto/NBD on CDNOW, median). Simulated customers come from
`crmlab.datasets.simulate_*` (seed 1). Peak MB as in the summary benchmark.
Targets (issue #3): BG/NBD on 1M customers ≥ 20× faster; Pareto/NBD on CDNOW master ≥ 50× faster and on 1M
customers under 30 s; CLV for 1M customers ≥ 20× faster.

{table}

Command: `{command}` — {machine_description()}""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
