"""Parameter recovery on data simulated from each model, and 95 % interval coverage over repeated seeds.

With S seeds and k parameters, the count of intervals that miss the truth is
Binomial(S*k, 0.05) if the intervals are right; we require coverage >= 0.85,
which a correct 95 % interval fails with probability < 1e-3 at S*k = 100.
"""

from __future__ import annotations

import numpy as np
import pytest

import crmlab as cl

CASES = {
    "BG/NBD": (cl.clv.BetaGeo, lambda seed: cl.datasets.simulate_bgnbd(
        3000, 39, r=0.25, alpha=4.4, a=0.8, b=2.4, seed=seed), {"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4}),
    "MBG/NBD": (cl.clv.ModifiedBetaGeo, lambda seed: cl.datasets.simulate_mbgnbd(
        3000, 39, r=0.5, alpha=6.0, a=0.9, b=1.6, seed=seed), {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}),
    "Pareto/NBD": (cl.clv.ParetoNBD, lambda seed: cl.datasets.simulate_paretonbd(
        3000, 39, r=0.55, alpha=10.6, s=0.6, beta=11.7, seed=seed), {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}),
    "BG/BB": (cl.clv.BetaGeoBetaBinom, lambda seed: cl.datasets.simulate_bgbb(
        3000, 6, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8, seed=seed),
        {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}),
    "Gamma-Gamma": (cl.clv.GammaGamma, lambda seed: cl.datasets.simulate_gammagamma(
        np.random.default_rng(seed).integers(1, 8, 3000), p=6.0, q=3.7, gamma=15.0, seed=seed),
        {"p": 6.0, "q": 3.7, "gamma": 15.0}),
}


@pytest.mark.parametrize("name", CASES)
def test_intervals_cover_the_truth(name):
    model_class, simulate, truth = CASES[name]
    seeds = range(25)
    truth = np.array([truth[p] for p in model_class.param_names])
    covered, estimates = [], []
    for seed in seeds:
        model = model_class().fit(simulate(seed))
        intervals = model.confidence_intervals(0.95)
        covered.append((intervals["lower"].to_numpy() <= truth) & (truth <= intervals["upper"].to_numpy()))
        estimates.append(model.params_.to_numpy())
    coverage = np.mean(covered)
    assert coverage >= 0.85, f"{name}: 95 % intervals covered the truth only {coverage:.0%} of the time"
    # the estimator is centred on the truth: the mean over seeds lies within 3 standard errors of the mean
    estimates = np.array(estimates)
    spread = estimates.std(axis=0, ddof=1) / np.sqrt(len(seeds))
    assert np.all(np.abs(estimates.mean(axis=0) - truth) < 3 * spread + 0.05 * truth)
