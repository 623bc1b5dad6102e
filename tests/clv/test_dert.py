"""Discounted expected residual transactions (DERT), checked against the published formulas evaluated in mpmath.

References, each evaluated independently of crmlab with mpmath (arbitrary precision, its own hypergeometric
functions and quadrature), at the published parameter estimates:

* Pareto/NBD: Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base analysis",
  JMR 42(4), eq. 2: DERT = α^r β^s δ^(s−1) Γ(r+x+1) Ψ(s, s; δ(β+T)) / (Γ(r) (α+T)^(r+x+1) L), with L the
  Pareto/NBD likelihood (Fader & Hardie 2005, note 009, eq. 22 before the integral is solved), at the CDNOW
  estimates r = 0.553, α = 10.578, s = 0.606, β = 11.669 (note 009).
* BG/BB: Fader, Hardie & Shang (2010), Marketing Science 29(6), eq. 13 with the likelihood of eq. 5, at their
  donations estimates α = 1.204, β = 0.750, γ = 0.657, δ = 2.783 (table 2).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmlab as cl
from crmlab.clv import intervals
from crmlab.errors import PredictionError

PARETO = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
BGBB = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}


def _model(cls, params, unit):
    model = cls()
    model.params_, model.time_unit_ = pd.Series(params, name="estimate"), unit
    return model


def _pareto_reference(x, t_x, T, delta):
    r, alpha, s, beta = (mpmath.mpf(v) for v in PARETO.values())
    integral = mpmath.quad(lambda tau: (alpha + tau) ** -(r + x) * (beta + tau) ** -(s + 1), [t_x, T])
    likelihood = mpmath.gamma(r + x) * alpha**r * beta**s / mpmath.gamma(r) * (
        (alpha + T) ** -(r + x) * (beta + T) ** -s + s * integral)
    psi = mpmath.hyperu(s, s, delta * (beta + T))
    return float(alpha**r * beta**s * delta ** (s - 1) * mpmath.gamma(r + x + 1) * psi
                 / (mpmath.gamma(r) * (alpha + T) ** (r + x + 1) * likelihood))


def _bgbb_reference(x, t_x, n, d):
    a, b, g, e = (mpmath.mpf(v) for v in BGBB.values())
    beta = mpmath.beta
    likelihood = beta(a + x, b + n - x) / beta(a, b) * beta(g, e + n) / beta(g, e) + mpmath.fsum(
        beta(a + x, b + t_x - x + i) / beta(a, b) * beta(g + 1, e + t_x + i) / beta(g, e) for i in range(n - t_x))
    return float(beta(a + x + 1, b + n - x) / beta(a, b) * beta(g, e + n + 1) / (beta(g, e) * (1 + d))
                 * mpmath.hyp2f1(1, e + n + 1, g + e + n + 1, 1 / (1 + d)) / likelihood)


def test_pareto_nbd_dert_equals_fader_hardie_lee_eq_2():
    model = _model(cl.clv.ParetoNBD, PARETO, "W")
    customers = pd.DataFrame({"frequency": [0, 1, 2, 7, 25, 3], "recency": [0.0, 5.0, 30.43, 35.0, 38.5, 2.0],
                              "T": [38.86, 38.86, 38.86, 37.0, 39.0, 32.0]})
    delta = np.log(1.15) / 52  # 15 % a year, continuously compounded, per week
    expected = [_pareto_reference(*row, delta) for row in customers.itertuples(index=False)]
    np.testing.assert_allclose(model.expected_residual_transactions(customers, delta), expected, rtol=1e-9)


def test_bgbb_dert_equals_fader_hardie_shang_eq_13():
    model = _model(cl.clv.BetaGeoBetaBinom, BGBB, "opportunity")
    donations = cl.datasets.load_donations()
    expected = [_bgbb_reference(x, t_x, n, 0.1) for x, t_x, n in
                donations[["frequency", "recency", "periods"]].itertuples(index=False)]
    np.testing.assert_allclose(model.expected_residual_transactions(donations, 0.1), expected, rtol=1e-10)


@settings(max_examples=20, deadline=None)
@given(x=st.integers(0, 30), recency_share=st.floats(0, 1), T=st.floats(0.5, 200), rates=st.tuples(
    st.floats(1e-4, 1.0), st.floats(1e-4, 1.0)))
def test_dert_is_positive_and_falls_as_the_discount_rate_rises(x, recency_share, T, rates):
    model = _model(cl.clv.ParetoNBD, PARETO, "W")
    customer = pd.DataFrame({"frequency": [x], "recency": [recency_share * T if x else 0.0], "T": [T]})
    low, high = sorted(rates)
    at_low, at_high = (float(model.expected_residual_transactions(customer, rate).iloc[0]) for rate in (low, high))
    assert 0 < at_high <= at_low * (1 + 1e-12)


def test_dert_bad_input():
    pareto = _model(cl.clv.ParetoNBD, PARETO, "W")
    customers = pd.DataFrame({"frequency": [1], "recency": [2.0], "T": [5.0]})
    for rate in (0.0, -0.1, np.nan, np.inf, True, "0.1", None):
        with pytest.raises(ValueError, match="discount_rate must be a number > 0"):
            pareto.expected_residual_transactions(customers, rate)
    with pytest.raises(PredictionError, match="no closed-form DERT.*customer_lifetime_value"):
        _model(cl.clv.BetaGeo, {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}, "W").expected_residual_transactions(
            customers, 0.01)
    with pytest.raises(cl.errors.NotFittedError):
        cl.clv.ParetoNBD().expected_residual_transactions(customers, 0.01)


def test_dert_intervals_collapse_on_the_estimate_and_widen_with_the_draws():
    donations = cl.datasets.load_donations()
    model = cl.clv.BetaGeoBetaBinom().fit(donations, weights="weights")
    at_estimate = pd.DataFrame([model.params_.to_numpy()] * 2, columns=model.params_.index)
    collapsed = intervals.prediction_interval(model, donations, "expected_residual_transactions", draws=at_estimate,
                                              discount_rate=0.1)
    own = model.expected_residual_transactions(donations, 0.1)
    np.testing.assert_allclose(collapsed[["estimate", "lower", "upper"]].to_numpy(),
                               np.repeat(own.to_numpy()[:, None], 3, axis=1), rtol=1e-10)
    draws = intervals.parameter_draws(model, 200, seed=0)
    table = intervals.prediction_interval(model, donations, "expected_residual_transactions", draws=draws,
                                          discount_rate=0.1)
    assert (table["lower"] < table["estimate"]).all() and (table["estimate"] < table["upper"]).all()
    with pytest.raises(TypeError, match="takes discount_rate="):
        intervals.prediction_interval(model, donations, "expected_residual_transactions", draws=draws, t=3,
                                      discount_rate=0.1)
