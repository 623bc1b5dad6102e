"""GGompertz/NBD (Bemmaor & Glady 2012), checked against the published CDNOW fit, CLVTools' formulas and by simulation.

CLVTools is github bachmannpatrick/CLVTools (``src/ggomnbd.cpp``, ``tests/testthat/test_correctness_ggomnbd.R``);
R is not available here, so its formulas are evaluated with SciPy's adaptive quadrature in the tests.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special

import crmlab as cl
from crmlab.errors import CrmlabWarning
from crmlab.simulation import simulate_paretonbd

PARAMS = {"r": 0.55, "alpha": 10.5, "b": 0.1, "s": 0.6, "beta": 2.0}


def _at(params):
    model = cl.clv.GammaGompertzNBD()
    model.params_ = pd.Series(params, name="estimate")[list(model.param_names)]
    model.time_unit_ = "W"
    return model


@pytest.fixture(scope="module")
def cdnow_fit(cdnow_weeks):
    with pytest.warns(CrmlabWarning, match="Pareto/NBD model"):
        return cl.clv.GammaGompertzNBD().fit(cdnow_weeks)


def test_cdnow_estimates_as_published(cdnow_fit, cdnow_weeks):
    model = cdnow_fit
    # CLVTools tests/testthat/test_correctness_ggomnbd.R: LL -9594.9762 (r 0.55313, alpha 10.5758, s 0.60682,
    # b 1.1e-6, beta 1.3e-5); Bemmaor & Glady (2012), table 2: r 0.553, alpha 10.578, s 0.603, LL -9594.98.
    # The likelihood rises all the way to b, beta -> 0 with beta/b fixed — the Pareto/NBD model — which crmlab
    # reports as that limit (CLVTools stops on the way, at b ~ 1e-6): same likelihood, r, alpha, s.
    assert model.log_likelihood_ == pytest.approx(-9594.9762, abs=5e-5)
    np.testing.assert_allclose(model.params_[["r", "alpha", "s"]], [0.55313, 10.5758, 0.60682], rtol=1e-3)
    assert "Pareto/NBD" in model.limit_
    pareto = cl.clv.ParetoNBD().fit(cdnow_weeks)  # the limit: beta/b is Pareto/NBD's beta (FHL 2005: 11.669)
    assert model.params_["beta"] / model.params_["b"] == pytest.approx(pareto.params_["beta"], rel=1e-4)
    pareto.params_ = pd.Series({"r": model.params_["r"], "alpha": model.params_["alpha"], "s": model.params_["s"],
                                "beta": model.params_["beta"] / model.params_["b"]})
    np.testing.assert_allclose(model.p_alive(cdnow_weeks), pareto.p_alive(cdnow_weeks), rtol=1e-9)
    np.testing.assert_allclose(model.expected_purchases(39, cdnow_weeks), pareto.expected_purchases(39, cdnow_weeks),
                               rtol=1e-8)


def test_log_likelihood_and_predictions_equal_clvtools_formulas(cdnow_weeks):
    rows = cdnow_weeks.iloc[::50]
    x, t_x, T = (rows[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    r, alpha, b, s, beta = PARAMS.values()

    def integral(f, low, high):
        return integrate.quad(f, low, high, epsabs=0, epsrel=1e-13, limit=200)[0]

    # ggomnbd_LL_ind: L1 alive, L2 dead between t_x and T (an integral by quadrature)
    dead = np.array([integral(lambda y, xi=xi: (y + alpha) ** -(r + xi) * (beta + np.exp(b * y) - 1) ** -(s + 1)
                              * np.exp(b * y), lo, hi) for xi, lo, hi in zip(x, t_x, T, strict=True)])
    common = special.gammaln(r + x) - special.gammaln(r)
    l1 = (common + r * np.log(alpha / (alpha + T)) - x * np.log(alpha + T)
          + s * np.log(beta / (beta - 1 + np.exp(b * T))))
    with np.errstate(divide="ignore"):
        l2 = common + np.log(b * s) + r * np.log(alpha) + s * np.log(beta) + np.log(dead)
    model = _at(PARAMS)
    ours, _ = model._log_likelihood(np.log(list(PARAMS.values())), {c: rows[c].to_numpy(dtype="float64")
                                                                    for c in ("frequency", "recency", "T")})
    np.testing.assert_allclose(ours, np.logaddexp(l1, l2), rtol=1e-12)
    np.testing.assert_allclose(model.p_alive(rows), np.exp(l1 - np.logaddexp(l1, l2)), rtol=1e-12)
    # ggomnbd_CET (with Adler's 2022 erratum): front (r+x)/(alpha+T) * upper / lower, 2F1(1, s; s+1; z) by
    # Jeff's integral s * int_0^1 u^(s-1)/(1 - z u) du, as CLVTools computes it
    horizon = 39.0
    hyp = np.vectorize(lambda z: s * integral(lambda u: u ** (s - 1) / (1 - z * u), 0, 1))
    e_T, e_Tt = np.exp(b * T) + beta - 1, np.exp(b * (T + horizon)) + beta - 1
    upper = hyp((beta - 1) / e_T) - (e_T / e_Tt) ** s * hyp((beta - 1) / e_Tt)
    cet_integral = np.array([integral(lambda y, xi=xi: np.exp(b * y) / ((np.exp(b * y) + beta - 1) ** (s + 1)
                                                                       * (alpha + y) ** (r + xi)), lo, hi)
                             for xi, lo, hi in zip(x, t_x, T, strict=True)])
    lower = b * s * (1 + b * s * (alpha + T) ** (r + x) * e_T ** s * cet_integral)
    np.testing.assert_allclose(model.expected_purchases(horizon, rows), (r + x) / (alpha + T) * upper / lower,
                               rtol=1e-9)
    # ggomnbd_nocov_expectation (Bemmaor & Glady's Matlab code, as CLVTools' consistency test writes it)
    for t in (1.0, 30.0, 104.0):
        by_parts = r / alpha * ((beta / (beta + np.exp(b * t) - 1)) ** s * t + b * s * beta ** s * integral(
            lambda u: u * np.exp(b * u) * (beta + np.exp(b * u) - 1) ** -(s + 1), 0, t))
        assert model.expected_purchases_new_customer(t) == pytest.approx(by_parts, rel=1e-10)


def test_distributions_are_consistent(cdnow_weeks):
    model = _at(PARAMS)
    n = np.arange(400)
    pmf = model.probability_of_purchases_new_customer(n, 52)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-10)
    assert n @ pmf == pytest.approx(model.expected_purchases_new_customer(52), rel=1e-9)
    rows = cdnow_weeks.iloc[::25]
    total = sum(model.probability_of_purchases(k, 26, rows) for k in range(150))
    np.testing.assert_allclose(total, 1.0, atol=1e-9)
    assert (model.p_alive(rows, t=26) < model.p_alive(rows)).all()


def test_parameter_recovery_on_simulated_data():
    truth = {"r": 2.0, "alpha": 4.0, "b": 0.1, "s": 1.0, "beta": 3.0}
    T = np.round(np.random.default_rng(2).uniform(52, 104, 1500))
    data = cl.datasets.simulate_ggompertznbd(1500, T, seed=4, **truth)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = cl.clv.GammaGompertzNBD().fit(data)
    z = (model.params_ - pd.Series(truth)) / model.standard_errors_
    assert (z.abs() < 3).all(), z  # every estimate within three standard errors of the truth


def test_json_round_trip_and_clv(tmp_path, cdnow_fit, cdnow_weeks):
    path = tmp_path / "ggomnbd.json"
    cdnow_fit.to_json(path)
    loaded = cl.clv.load_model(path)
    assert loaded.limit_ == cdnow_fit.limit_
    np.testing.assert_allclose(loaded.expected_purchases(10, cdnow_weeks),
                               cdnow_fit.expected_purchases(10, cdnow_weeks))
    value = cl.clv.customer_lifetime_value(loaded, cl.clv.GammaGamma().fit(cdnow_weeks), cdnow_weeks, horizon=3,
                                           discount_rate=0.01, period_length=4.0)
    np.testing.assert_allclose(value["expected_purchases"], loaded.expected_purchases(12, cdnow_weeks), rtol=1e-12)


def test_holdout_evaluation():
    log = cl.datasets.load_cdnow("sample")
    split = cl.calibration_holdout(log, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CrmlabWarning)  # the Pareto/NBD limit, as above
        model = cl.clv.GammaGompertzNBD().fit(cl.calibration_summary(split))
    evaluation = cl.clv.evaluate_holdout(model, split)
    # 1,882 repeat purchases in weeks 40-78 (Fader, Hardie & Lee 2005); the Pareto/NBD forecast is close to it
    assert evaluation.metrics.loc["model", "total_actual"] == 1_882
    assert evaluation.model_beats_baseline


def test_bad_data_are_refused():
    with pytest.raises(cl.errors.DataError, match="recency"):
        cl.clv.GammaGompertzNBD().fit(pd.DataFrame({"frequency": [1, 2], "recency": [5.0, 1.0], "T": [4.0, 3.0]}),
                                      time_unit="W")
    with pytest.raises(cl.errors.MissingColumnError):
        cl.clv.GammaGompertzNBD().fit(pd.DataFrame({"frequency": [1, 2]}), time_unit="W")


@pytest.mark.parametrize("setting", [{"purchase_covariates": ["z"]}, {"dropout_covariates": ["z"]},
                                     {"covariate_penalty": {"purchase": 0.1}}])
def test_covariates_are_refused_with_the_models_that_take_them(setting):
    data = simulate_paretonbd(200, 10, r=0.5, alpha=2.0, s=0.5, beta=4.0, seed=1).assign(z=1.0)
    with pytest.raises(ValueError, match="GGompertz/NBD takes no covariates.*ParetoNBD, BetaGeo"):
        cl.clv.GammaGompertzNBD(**setting).fit(data)


def _mp_count(r, alpha, b, s, beta, n, t, mp):
    """P(X(t) = n) by mpmath at 30 digits, the death integral over v = ln(D(τ)/β) with 31 break points."""
    r, alpha, b, s, beta, t = (mp.mpf(v) for v in (r, alpha, b, s, beta, t))

    def log_nb(tau):
        return (mp.loggamma(r + n) - mp.loggamma(r) - mp.loggamma(n + 1) + r * mp.log(alpha / (alpha + tau))
                + (n * mp.log(tau / (alpha + tau)) if n else 0))

    span = mp.log1p(mp.expm1(b * t) / beta)
    dead = mp.quad(lambda v: s * mp.exp(-s * v + log_nb(mp.log1p(beta * mp.expm1(v)) / b)),
                   [span * k / 32 for k in range(33)])
    return mp.exp(-s * span + log_nb(t)) + dead


# (r, alpha, b, s, beta, n, t): β far below b t (deaths crowded at the start) with and without an NB peak,
# β far above, hazards growing slowly and fast
_GGOMPERTZ_CASES = [(0.659, 0.0184, 10.2, 24.1, 8.58e-10, 0, 0.158), (6.52, 0.0102, 2.74e-4, 15.7, 3.75e-10, 3, 8.14),
                    (0.073, 0.673, 0.166, 3.47, 3.03e-8, 1, 3.16), (9.55, 0.0477, 0.983, 13.5, 2.68e-5, 0, 4.9),
                    (0.0833, 3.77, 0.0388, 0.0476, 5.72e-10, 50, 23.0), (8.83, 2.33, 0.18, 2.85, 622.0, 50, 3.24),
                    (0.0702, 2.99e-4, 1.19e-3, 20.4, 12.8, 50, 0.227), (0.55, 10.5, 0.1, 0.6, 2.0, 2, 39.0)]


@pytest.mark.parametrize("r, alpha, b, s, beta, n, t", _GGOMPERTZ_CASES)
def test_counts_and_expectation_match_mpmath(r, alpha, b, s, beta, n, t):
    """P(X(t) = n) and E[X(t)] of a new customer against mpmath: within 1e-11 of max(P, 1e-10), and of E.
    Quadrature in τ (crmlab before) was up to 5e-3 off on the first four, where β is far below b t."""
    mp = pytest.importorskip("mpmath")
    process = cl.clv.ggompertz.GammaGompertzProcess
    with mp.workdps(30):  # not mp.mp.dps = 30: other modules' references need their own precision
        exact = float(_mp_count(r, alpha, b, s, beta, n, t, mp))
        B, S, bb = mp.mpf(beta), mp.mpf(s), mp.mpf(b)
        breaks = sorted({mp.mpf(0), mp.mpf(t), *(mp.mpf(t) * mp.mpf(10) ** -k for k in range(1, 16))})
        expected = float(mp.mpf(r) / alpha * mp.quad(lambda u: (B / (B + mp.expm1(bb * u))) ** S, breaks))
    assert abs(float(process.count_probability((r, alpha, b, s, beta), n, t)) - exact) <= 1e-11 * max(exact, 1e-10)
    assert float(process.expected((r, alpha, b, s, beta), t)) == pytest.approx(expected, rel=1e-11)


def _mp_p_alive(r, alpha, b, s, beta, x, t_x, T, mp):
    """P(alive | x, t_x, T) by mpmath: the dead term integrated in y (the time of death) between break points
    geometric in the distance from t_x and at multiples of 1/b, β/b and α, its integrand scaled by its larger end
    value (mpmath judges convergence absolutely)."""
    r, alpha, b, s, beta, t_x, T = (mp.mpf(v) for v in (r, alpha, b, s, beta, t_x, T))

    def log_d(y):
        return mp.log(beta - 1 + mp.exp(b * y))

    log_alive = -(r + x) * mp.log(alpha + T) + s * (mp.log(beta) - log_d(T))

    def log_f(y):
        return -(r + x) * mp.log(alpha + y) - (s + 1) * log_d(y) + b * y

    top = max(log_f(t_x), log_f(T))
    points = {t_x, T, *(t_x + (T - t_x) * mp.mpf(10) ** -k for k in range(40)),
              *(t_x + scale * m for scale in (1 / b, beta / b, alpha) for m in (0.1, 1, 10, 100))}
    dead = mp.quad(lambda y: mp.exp(log_f(y) - top), sorted(p for p in points if t_x <= p <= T), maxdegree=10)
    log_dead = mp.log(b * s) + s * mp.log(beta) + mp.log(dead) + top
    return 1 / (1 + mp.exp(log_dead - log_alive))


# (r, alpha, b, s, beta, x, t_x, T): β ≫ 1, so that e^(by) D(y)^-(s+1) peaks about ln(β/s)/b inside [t_x, T] (the
# rule in y was 3e-6 to 3e-2 off, found by an audit against mpmath); a large x's layer at t_x; ordinary CDNOW values
_P_ALIVE_CASES = [(1, 1, 0.1, 0.1, 1e6, 0, 0, 300), (1, 1, 0.1, 0.1, 1e8, 0, 0, 1000),
                  (1, 1, 1.0, 0.1, 1e6, 0, 0, 1000), (1, 1, 0.1, 0.1, 1e6, 5, 10, 1000),
                  (0.0369, 14.64, 0.1022, 0.0595, 2.76e6, 0, 0, 723.7),
                  (9.137, 0.01154, 4.03e-4, 6.21, 286.2, 53, 0.1905, 620.9), (0.55, 10.5, 0.1, 0.6, 2.0, 2, 30.4, 38.9)]


@pytest.mark.parametrize("r, alpha, b, s, beta, x, t_x, T", _P_ALIVE_CASES)
def test_p_alive_matches_mpmath(r, alpha, b, s, beta, x, t_x, T):
    """P(alive), the alive term's share of the likelihood (the dead term over v = ln(D(y)/β), rule of step 1/32),
    within 1e-11 relative of mpmath."""
    mp = pytest.importorskip("mpmath")
    with mp.workdps(30):
        exact = float(_mp_p_alive(r, alpha, b, s, beta, x, t_x, T, mp))
    model = _at({"r": r, "alpha": alpha, "b": b, "s": s, "beta": beta})
    history = pd.DataFrame({"frequency": [x], "recency": [t_x], "T": [T]})
    assert model.p_alive(history).iloc[0] == pytest.approx(exact, rel=1e-11)
