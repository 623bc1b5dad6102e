"""Fuzzing the customer-base models: crmlab and lifetimes fitted on the same seeded random data sets.

For each of BG/NBD, MBG/NBD, Pareto/NBD and BG/BB, ``--n`` data sets (1,000 by default) are drawn by
:func:`random_data` — customers from the model itself with parameters drawn log-uniformly over wide
ranges (purchase rates, dropout and death from negligible to overwhelming, heterogeneity from none to
extreme), 1 to 3,000 customers, observation periods of 4 to 365 time units, cohorts or one start, a few
customers acquired at the very end — and both tools fit each. Outcomes are counted per tool:

* converged — crmlab's split into interior maxima and limits of the model (reported with a warning,
  ``limit_``); lifetimes' into those at a maximum of the likelihood (checked with crmlab's: gradient
  below 1e-4 per customer, positive definite Hessian), those far out (a parameter beyond e^±12, out on a
  ridge) and the rest (saddle points, or stopped short);
* ConvergenceError, DataError (crmlab refuses data that cannot identify the model), other exceptions
  (anything else, e.g. a bare numpy error), non-finite estimates, and, for the peer, fits stopped after
  ``--peer-limit`` seconds (lifetimes' Pareto/NBD can take minutes).

Where both converge, the two estimates are compared on one log-likelihood — crmlab's, the same function
as lifetimes' (``tests/clv/test_against_lifetimes.py``) — and counted as higher for one tool when they
differ by more than 1e-6 per customer. No multiprocessing: the fits run one after another in this process.

    python benchmarks/bench_fuzz.py              # 1,000 data sets per model (about 15 minutes on 2 cores)
    python benchmarks/bench_fuzz.py --n 100      # a quick look
"""

from __future__ import annotations

import argparse
import contextlib
import io
import signal
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import machine_description, write_section  # noqa: E402

MODELS = ("BG/NBD", "MBG/NBD", "Pareto/NBD", "BG/BB")
_FAR = 12.0  # a log-parameter beyond this is "far out"
_TIE = 1e-6  # log-likelihood per customer within which the two estimates count as equal


def _log_uniform(rng, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def random_data(model: str, seed: int) -> pd.DataFrame:
    """One random data set for ``model``: the columns it is fitted on (BG/BB: patterns with a ``weights`` column)."""
    import crmlab as cl

    rng = np.random.default_rng(seed)
    n = int(np.exp(rng.uniform(0, np.log(3000))))
    if model == "BG/BB":
        periods = int(rng.integers(2, 16))
        params = {name: _log_uniform(rng, 0.05, 50) for name in ("alpha", "beta", "gamma", "delta")}
        data = cl.datasets.simulate_bgbb(n, periods, seed=seed, **params)
        return data.value_counts(["frequency", "recency", "periods"]).rename("weights").reset_index()
    horizon = float(rng.choice([4, 13, 39, 52, 104, 365]))
    T = horizon * (np.ones(n) if rng.random() < 0.3 else rng.uniform(0.02, 1.0, n))
    T[rng.random(n) < 0.02] = 0.0  # acquired at the very end
    r = _log_uniform(rng, 0.05, 20)
    alpha = r * horizon / _log_uniform(rng, 0.2, 30)  # 0.2 to 30 purchases in the period on average
    if model == "Pareto/NBD":
        s = _log_uniform(rng, 0.05, 20)
        beta = s * horizon * _log_uniform(rng, 0.1, 100)  # mean lifetime 0.1 to 100 periods
        data = cl.datasets.simulate_paretonbd(n, T, seed=seed, r=r, alpha=alpha, s=s, beta=beta)
    else:
        simulate = cl.datasets.simulate_bgnbd if model == "BG/NBD" else cl.datasets.simulate_mbgnbd
        data = simulate(n, T, seed=seed, r=r, alpha=alpha, a=_log_uniform(rng, 0.05, 50),
                        b=_log_uniform(rng, 0.05, 500))
    return data[["frequency", "recency", "T"]]


class _Timeout(Exception):  # noqa: N818 - a signal, not an error
    pass


def _alarm(signum, frame):
    raise _Timeout


def model_class(model: str):
    import crmlab as cl

    return {"BG/NBD": cl.clv.BetaGeo, "MBG/NBD": cl.clv.ModifiedBetaGeo, "Pareto/NBD": cl.clv.ParetoNBD,
            "BG/BB": cl.clv.BetaGeoBetaBinom}[model]


def fit_crmlab(model: str, data: pd.DataFrame):
    """(outcome, log-parameters or None, seconds)."""
    import crmlab as cl

    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            warnings.simplefilter("ignore", cl.errors.CrmlabWarning)
            if model == "BG/BB":
                fitted = model_class(model)().fit(data, weights="weights")
            else:
                fitted = model_class(model)().fit(data, time_unit="W")
    except cl.errors.ConvergenceError:
        return "ConvergenceError", None, time.perf_counter() - start
    except cl.errors.DataError:
        return "DataError", None, time.perf_counter() - start
    except Exception:  # noqa: BLE001 - counting every other failure is the point
        return "other exception", None, time.perf_counter() - start
    seconds = time.perf_counter() - start
    theta = np.log(fitted.params_.to_numpy())
    if not np.all(np.isfinite(theta)):
        return "non-finite", None, seconds
    return ("converged (limit)" if fitted.limit_ else "converged (interior)"), theta, seconds


def fit_lifetimes(model: str, data: pd.DataFrame, limit: float):
    """(outcome, log-parameters or None, seconds), the fit stopped after ``limit`` seconds."""
    import lifetimes
    from lifetimes.utils import ConvergenceError

    np.random.seed(0)  # lifetimes starts some fits at random
    start = time.perf_counter()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            if model == "BG/BB":
                fitter = lifetimes.BetaGeoBetaBinomFitter().fit(data["frequency"], data["recency"], data["periods"],
                                                                weights=data["weights"])
                names = ("alpha", "beta", "gamma", "delta")
            else:
                fitter = {"BG/NBD": lifetimes.BetaGeoFitter, "MBG/NBD": lifetimes.ModifiedBetaGeoFitter,
                          "Pareto/NBD": lifetimes.ParetoNBDFitter}[model]()
                fitter.fit(data["frequency"], data["recency"], data["T"])
                names = ("r", "alpha", "s", "beta") if model == "Pareto/NBD" else ("r", "alpha", "a", "b")
    except _Timeout:
        return "timeout", None, limit
    except ConvergenceError:
        return "ConvergenceError", None, time.perf_counter() - start
    except Exception:  # noqa: BLE001
        return "other exception", None, time.perf_counter() - start
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    seconds = time.perf_counter() - start
    with np.errstate(all="ignore"):
        theta = np.log(np.array([fitter.params_[name] for name in names], dtype="float64"))
    if not np.all(np.isfinite(theta)):
        return "non-finite", None, seconds
    if np.max(np.abs(theta)) > _FAR:
        return "converged far out", theta, seconds
    return ("converged at a maximum" if at_a_maximum(model, data, theta) else "converged elsewhere"), theta, seconds


def _likelihood(model: str, data: pd.DataFrame):
    fitted = model_class(model)()
    return fitted, fitted._prepare(data, "weights" if "weights" in data else None)


def log_likelihood(model: str, data: pd.DataFrame, theta: np.ndarray) -> float:
    """crmlab's log-likelihood of ``data`` at log-parameters ``theta`` (per customer)."""
    fitted, prepared = _likelihood(model, data)
    with np.errstate(all="ignore"):
        value = float(fitted._weighted_log_likelihood(theta, prepared)[0])
    return value / prepared.n_customers if np.isfinite(value) else -np.inf


def at_a_maximum(model: str, data: pd.DataFrame, theta: np.ndarray) -> bool:
    """Whether crmlab's likelihood has a maximum at ``theta``: gradient per customer below 1e-4, Hessian negative
    definite (lifetimes' optimisers stop at a relative change of 1e-7 of the rescaled objective)."""
    fitted, prepared = _likelihood(model, data)
    with np.errstate(all="ignore"):
        _, gradient = fitted._weighted_log_likelihood(theta, prepared)
        information = fitted._hessian(theta, prepared)
    if not np.all(np.isfinite(gradient)) or not np.all(np.isfinite(information)):
        return False
    return bool(np.max(np.abs(gradient)) / prepared.n_customers <= 1e-4
                and np.all(np.linalg.eigvalsh(information) > 0))


def run(model: str, n: int, peer_limit: float, first_seed: int):
    ours, theirs, higher = Counter(), Counter(), Counter()
    seconds = Counter()
    for i in range(n):
        seed = first_seed + i
        data = random_data(model, seed)
        outcome, theta_ours, spent = fit_crmlab(model, data)
        ours[outcome] += 1
        seconds["crmlab"] += spent
        peer, theta_peer, spent = fit_lifetimes(model, data, peer_limit)
        theirs[peer] += 1
        seconds["lifetimes"] += spent
        if theta_ours is not None and theta_peer is not None:
            difference = log_likelihood(model, data, theta_ours) - log_likelihood(model, data, theta_peer)
            higher["crmlab" if difference > _TIE else "lifetimes" if difference < -_TIE else "equal"] += 1
            if difference < -_TIE:
                print(f"{model}, seed {seed}: lifetimes' estimate is higher by {-difference:.3g} per customer",
                      flush=True)
        if peer == "converged at a maximum" and theta_ours is None:
            higher["lifetimes at a maximum, crmlab raised"] += 1
            print(f"{model}, seed {seed}: lifetimes at a maximum, crmlab raised {outcome}", flush=True)
    return ours, theirs, higher, seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="data sets per model (default 1000)")
    parser.add_argument("--peer-limit", type=float, default=3.0, help="seconds allowed per lifetimes fit (default 3)")
    parser.add_argument("--models", nargs="*", choices=MODELS, default=list(MODELS))
    args = parser.parse_args(argv)
    converged = {"crmlab": ["converged (interior)", "converged (limit)"],
                 "lifetimes": ["converged at a maximum", "converged far out", "converged elsewhere"]}
    failed = ["ConvergenceError", "DataError", "other exception", "non-finite", "timeout"]
    rows = []
    for model in args.models:  # each model's seeds are its own, whichever models run
        ours, theirs, higher, seconds = run(model, args.n, args.peer_limit,
                                            first_seed=100_000 * (MODELS.index(model) + 1))
        print(model, dict(ours), dict(theirs), dict(higher), dict(seconds), flush=True)
        for tool, counts in (("crmlab", ours), ("lifetimes", theirs)):
            done = ", ".join(f"{counts.get(outcome, 0)} {outcome.removeprefix('converged ').strip('()')}"
                             for outcome in converged[tool])
            cells = " | ".join(str(counts.get(outcome, 0)) for outcome in failed)
            rows.append(f"| {model} | {tool} | {sum(counts[o] for o in converged[tool])} ({done}) | {cells} | "
                        f"{higher.get(tool, 0)} | {seconds[tool]:.0f} |")
        rows.append(f"| {model} | | equal log-likelihood where both converged: {higher.get('equal', 0)}; lifetimes "
                    f"at a maximum where crmlab raised: {higher.get('lifetimes at a maximum, crmlab raised', 0)} "
                    "| | | | | | | |")
    table = "\n".join([f"| model | tool | converged | {' | '.join(failed)} | higher log-likelihood | seconds |",
                       "|---|---|---|" + "---:|" * (len(failed) + 2), *rows])
    command = "python benchmarks/bench_fuzz.py" + (f" --n {args.n}" if args.n != 1000 else "")
    write_section("fuzzing the models", f"""crmlab and lifetimes 0.11.3 fitted on the same {args.n:,} seeded random
data sets per model (`benchmarks/bench_fuzz.py`: parameters drawn log-uniformly over wide ranges, 1 to 3,000
customers, periods of 4 to 365 time units), one fit after another in one process. Outcome counts per tool. crmlab's
limits are maxima on the boundary of the parameter space, reported as the limiting model with a warning; lifetimes'
successes are split, with crmlab's likelihood, into those at a maximum (gradient below 1e-4 per customer, negative
definite Hessian), those far out (a parameter beyond e^±12: on a ridge) and the rest (saddle points, or stopped
short). "Higher log-likelihood" counts the data sets where both converged and that tool's estimate is higher by more
than 1e-6 per customer on the common likelihood. lifetimes' fits are stopped after {args.peer_limit:g} s (timeout).

{table}

Command: `{command}` — {machine_description()}""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
