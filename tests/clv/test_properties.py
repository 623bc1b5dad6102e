"""No silent failure: every model, on any valid data, either fits — finite parameters, finite and valid predictions
— or raises a crmlab error that says why (ConvergenceError, DataError; PredictionError for Gamma-Gamma's infinite
spend). Never NaN or inf, never a bare numpy/scipy exception, never a RuntimeWarning (they are errors here).

The data are drawn from the models themselves with parameters across wide ranges (heterogeneity from none to
extreme, purchase rates from negligible to hundreds per period), 1 to 2,000 customers, and then bent towards the
edges: every frequency zero, tiny observation periods, huge frequencies, customers acquired at the end (T = 0),
repeat purchases on the last day (recency = T). Limits of the models are answers (a CrmlabWarning); they must
predict as well as interior estimates.
"""

from __future__ import annotations

import warnings

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import crmlab as cl
from crmlab.errors import ConvergenceError, CrmlabWarning, DataError, PredictionError

PROPERTIES = settings(max_examples=25, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _log_uniform(low: float, high: float):
    return st.floats(np.log(low), np.log(high)).map(np.exp)


@st.composite
def purchase_summaries(draw, simulate):
    """A customer summary (frequency, recency, T) drawn from ``simulate`` with wide parameters, then bent to edges."""
    n = int(draw(_log_uniform(1, 2000)))
    horizon = draw(_log_uniform(0.05, 400))
    r = draw(_log_uniform(0.01, 100))
    alpha = r * horizon / draw(_log_uniform(0.01, 100))  # 0.01 to 100 purchases in the period
    second = _dropout_parameters(draw, simulate, horizon)
    cohorts = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    T = horizon * (rng.uniform(0.01, 1, n) if cohorts else np.ones(n))
    data = simulate(n, T, seed=rng, r=r, alpha=alpha, **second)
    data = data[[c for c in ("frequency", "recency", "T", "litt") if c in data]].copy()
    edge = draw(st.sampled_from(["none", "no repeat purchases", "acquired at the end", "bought on the last day",
                                 "huge frequencies"]))
    share = rng.random(n) < draw(st.floats(0.05, 1.0))
    if edge == "no repeat purchases":
        data[["frequency", "recency"]] = 0.0
    elif edge == "acquired at the end":
        data.loc[share, ["frequency", "recency", "T"]] = 0.0
    elif edge == "bought on the last day":
        data.loc[share & (data["frequency"] > 0), "recency"] = data["T"]
    elif edge == "huge frequencies":
        data.loc[share, "frequency"] *= 1000
    if "litt" in data and edge in ("no repeat purchases", "acquired at the end", "huge frequencies"):
        x, t_x = data["frequency"], data["recency"]  # x equal gaps: the largest Σ ln(gap) that fits
        data["litt"] = np.where((x > 0) & (t_x > 0), x * np.log(np.where(t_x > 0, t_x, 1.0) / np.maximum(x, 1)), 0.0)
    return data


def _dropout_parameters(draw, simulate, horizon: float) -> dict:
    """The parameters of the dropout process of ``simulate`` (and k of the Erlang-k models), over wide ranges."""
    if simulate is cl.datasets.simulate_paretonbd:
        s = draw(_log_uniform(0.01, 100))
        return {"s": s, "beta": s * horizon * draw(_log_uniform(0.01, 100))}
    if simulate is cl.datasets.simulate_ggompertznbd:
        return {"b": draw(_log_uniform(1e-3, 10)) / horizon, "s": draw(_log_uniform(0.01, 100)),
                "beta": draw(_log_uniform(1e-3, 1e3))}
    second = {"a": draw(_log_uniform(0.05, 1e4)), "b": draw(_log_uniform(0.05, 1e4))}
    if simulate in (cl.datasets.simulate_bgcnbd, cl.datasets.simulate_mbgcnbd):
        second["k"] = draw(st.integers(1, 4))
    return second


def _checked(fit):
    """The fitted model, or None if it raised a crmlab error; RuntimeWarnings are errors, limits are answers."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", CrmlabWarning)
        try:
            model = fit()
        except (ConvergenceError, DataError):
            return None
    assert np.isfinite(model.params_).all() and (model.params_ > 0).all(), model.params_
    assert np.isfinite(model.log_likelihood_)
    return model


def _valid_predictions(model, data, horizons):
    """P(alive) in [0, 1]; expected purchases finite, >= 0 and increasing in t; count distributions summing to 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        alive = model.p_alive(data)
        assert np.isfinite(alive).all() and (alive >= 0).all() and (alive <= 1 + 1e-12).all()
        later = model.p_alive(data, t=horizons[-1])
        assert np.isfinite(later).all() and (later >= 0).all() and (later <= alive + 1e-12).all()
        expected = model.cumulative_expected_purchases(horizons, data)
        assert np.isfinite(expected).all() and (expected >= 0).all()
        assert (np.diff(expected, axis=1) >= -1e-9 * (1 + expected[:, 1:])).all()
        new = model.expected_purchases_new_customer(horizons)
        assert np.isfinite(new).all() and (new >= 0).all() and (np.diff(new) >= -1e-9 * (1 + new[1:])).all()
        # the distribution of counts in the first horizon over n < 4096: its sum lies between 1 - E[X]/4096 (Markov's
        # inequality bounds the rest) and 1, and its partial mean is at most E[X]; where the tail is light, this is
        # a sum of 1 to within 1e-7 (a heavy one — r = 0.04 is nearly a log-series — needs millions of terms)
        t = horizons[0]
        mean = float(model.expected_purchases_new_customer(t))
        n = np.arange(4096)
        probabilities = model.probability_of_purchases_new_customer(n, t)
        assert np.isfinite(probabilities).all() and (probabilities >= -1e-15).all()
        assert 1 - mean / n.size - 1e-7 <= probabilities.sum() <= 1 + 1e-9
        assert n @ probabilities <= mean * (1 + 1e-8) + 1e-12
        row = data.iloc[[0]]
        conditional = np.array([model.probability_of_purchases(k, t, row).item() for k in n[:40]])
        assert np.isfinite(conditional).all() and (conditional >= -1e-15).all() and conditional.sum() <= 1 + 1e-9


@pytest.mark.parametrize("model_class, simulate", [(cl.clv.BetaGeo, cl.datasets.simulate_bgnbd),
                                                   (cl.clv.ModifiedBetaGeo, cl.datasets.simulate_mbgnbd),
                                                   (cl.clv.ParetoNBD, cl.datasets.simulate_paretonbd)],
                         ids=["BG/NBD", "MBG/NBD", "Pareto/NBD"])
@PROPERTIES
@given(data=st.data())
def test_purchase_models_fit_or_say_why(model_class, simulate, data):
    _fits_or_says_why(model_class, data.draw(purchase_summaries(simulate)))


@pytest.mark.parametrize("model_class, simulate", [
    (lambda: cl.clv.BetaGeoCNBD(k=3), cl.datasets.simulate_bgcnbd),
    (lambda: cl.clv.ModifiedBetaGeoCNBD(max_k=3), cl.datasets.simulate_mbgcnbd),
    (cl.clv.GammaGompertzNBD, cl.datasets.simulate_ggompertznbd),
], ids=["BG/CNBD-3", "MBG/CNBD-k", "GGompertz/NBD"])
@settings(PROPERTIES, max_examples=10)  # each example fits several models or integrates per customer: fewer
@given(data=st.data())
def test_regularity_and_ageing_models_fit_or_say_why(model_class, simulate, data):
    _fits_or_says_why(model_class, data.draw(purchase_summaries(simulate)))


def _fits_or_says_why(model_class, summary) -> None:
    model = _checked(lambda: model_class().fit(summary, time_unit="W"))
    if model is not None:
        horizon = float(summary["T"].max()) or 1.0
        try:
            _valid_predictions(model, summary, np.array([0.25, 1.0, 10.0]) * horizon)
        except PredictionError as error:  # millions of purchases per customer: (M)BG/CNBD-k's sums say so
            assert isinstance(model, cl.clv.BetaGeoCNBD) and "too large for exact sums" in str(error)


@st.composite
def bgbb_patterns(draw):
    n = int(draw(_log_uniform(1, 2000)))
    periods = draw(st.integers(1, 20))
    params = {name: draw(_log_uniform(0.02, 1e4)) for name in ("alpha", "beta", "gamma", "delta")}
    data = cl.datasets.simulate_bgbb(n, periods, seed=draw(st.integers(0, 2**32 - 1)), **params)
    return data.value_counts(["frequency", "recency", "periods"]).rename("weights").reset_index()


@PROPERTIES
@given(patterns=bgbb_patterns())
def test_bgbb_fits_or_says_why(patterns):
    model = _checked(lambda: cl.clv.BetaGeoBetaBinom().fit(patterns, weights="weights"))
    if model is not None:
        _valid_predictions(model, patterns, np.array([1.0, 5.0, 30.0]))


@st.composite
def spend_summaries(draw):
    n = int(draw(_log_uniform(1, 2000)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    frequency = rng.geometric(1 / draw(_log_uniform(1.01, 200)), n) - 1
    params = {"p": draw(_log_uniform(0.05, 100)), "q": draw(_log_uniform(0.05, 100)),
              "gamma": draw(_log_uniform(1e-3, 1e4))}
    data = cl.datasets.simulate_gammagamma(frequency, seed=rng, **params)[["frequency", "monetary"]].copy()
    data.loc[data["frequency"] > 0, "monetary"] *= draw(_log_uniform(1e-6, 1e6))  # any currency unit
    return data


@PROPERTIES
@given(data=spend_summaries())
def test_gamma_gamma_fits_or_says_why(data):
    model = _checked(lambda: cl.clv.GammaGamma().fit(data))
    if model is not None:
        try:
            spend = model.expected_spend(data)
        except PredictionError:  # q <= 1: an infinite mean spend, said so
            return
        assert np.isfinite(spend).all() and (spend > 0).all()


@st.composite
def survivor_curves(draw):
    start = int(draw(_log_uniform(1, 1e6)))
    retention = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30)))
    return np.floor(start * np.cumprod(np.r_[1.0, retention]))


@PROPERTIES
@given(survivors=survivor_curves())
def test_sbg_fits_or_says_why(survivors):
    model = _checked(lambda: cl.clv.ShiftedBetaGeometric().fit_survivors(survivors))
    if model is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            t = np.arange(0, 60)
            survival = model.survival(t)
            assert np.isfinite(survival).all() and survival[0] == pytest.approx(1.0)
            assert ((0 <= survival) & (np.diff(survival, prepend=1.0) <= 1e-15)).all()
            rates = model.retention_rate(t[1:])
            assert np.isfinite(rates).all() and ((0 <= rates) & (rates <= 1)).all()
            lifetime = model.discounted_expected_lifetime(0.1)
            assert np.isfinite(lifetime) and 1 <= lifetime <= 11 + 1e-9  # between one period and 1/(1 - 1/1.1)
