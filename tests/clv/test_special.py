"""The series behind the likelihoods, against mpmath at 40 digits (an independent implementation)."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.clv._special import _POLYNOMIAL_Z, distinct_pairs, log_hyp2f1, pareto_nbd_integral

mp = pytest.importorskip("mpmath")
mp.mp.dps = 40


def test_log_hyp2f1_matches_mpmath(rng):
    for _ in range(200):
        a, b = np.exp(rng.uniform(-2, 3, 2))
        c = max(a + b + rng.uniform(-1.5, 50), 0.1)
        z = rng.uniform(0, 0.999)
        assert log_hyp2f1(a, b, c, z) == pytest.approx(float(mp.log(mp.hyp2f1(a, b, c, z))), rel=1e-11, abs=1e-11)


def test_log_hyp2f1_where_scipy_overflows():
    # scipy.special.hyp2f1 returns inf here; the value is 1.0413e22
    assert log_hyp2f1(173.36037009232277, 5.7820557632187946, 174.36037009232277, 0.9999473185811987) == \
        pytest.approx(float(mp.log(mp.hyp2f1(173.36037009232277, 5.7820557632187946, 174.36037009232277,
                                             0.9999473185811987))), rel=1e-12)


def _closed_form_log_j(r, alpha, s, beta, x, t_x, T):
    """Fader & Hardie (2005, note 009) closed form of the integral, via mpmath's hypergeometric function."""
    n = r + s + x
    if alpha >= beta:
        def f(u):
            return mp.hyp2f1(n, s + 1, n + 1, mp.mpf(alpha - beta) / (alpha + u)) / mp.power(alpha + u, n)
    else:
        def f(u):
            return mp.hyp2f1(n, r + x, n + 1, mp.mpf(beta - alpha) / (beta + u)) / mp.power(beta + u, n)
    return float(mp.log((f(t_x) - f(T)) / n))


def _central_differences(params, args) -> np.ndarray:
    """d log J / d(r, alpha, s, beta) by central differences with relative step 1e-6, one row per parameter."""
    params = np.asarray(params, dtype="float64")
    rows = []
    for j in range(4):
        up, down = params.copy(), params.copy()
        up[j], down[j] = up[j] * (1 + 1e-6), down[j] * (1 - 1e-6)
        rows.append((pareto_nbd_integral(*up, *args)[0] - pareto_nbd_integral(*down, *args)[0]) / (2e-6 * params[j]))
    return np.array(rows)


def test_pareto_nbd_integral_matches_the_closed_form_and_its_gradient(rng):
    for _ in range(150):
        r, alpha, s, beta = np.exp(rng.uniform(-2, 3, 4))
        x, T = float(rng.integers(0, 200)), rng.uniform(1, 80)
        t_x = rng.uniform(0, T)
        args = [np.array([v]) for v in (x, t_x, T)]
        log_j, grad = pareto_nbd_integral(r, alpha, s, beta, *args)
        assert log_j[0] == pytest.approx(_closed_form_log_j(r, alpha, s, beta, x, t_x, T), rel=1e-12)
        np.testing.assert_allclose(grad, _central_differences([r, alpha, s, beta], args), rtol=1e-4, atol=1e-8)


def test_distinct_pairs_sorted_by_frequency_and_mapping_back(rng):
    x = rng.integers(0, 6, 500).astype(float)
    tau = rng.integers(0, 20, 500) / 7
    first, at = distinct_pairs(x, tau)
    assert np.all(np.diff(x[first]) >= 0)  # one contiguous run per frequency
    assert len(set(zip(x[first], tau[first], strict=True))) == len(first) == len(set(zip(x, tau, strict=True)))
    assert np.array_equal(x[first][at], x) and np.array_equal(tau[first][at], tau)


@pytest.mark.parametrize("alpha, beta", [(11.6, 8.8), (40.0, 2.0), (2.0, 40.0)])
def test_pareto_nbd_integral_on_many_rows_sharing_frequencies(rng, alpha, beta):
    """Rows summed as one polynomial per frequency, and (for the far-apart scale parameters) rows with z
    close to 1 summed term by term in the same call, against the closed form row by row."""
    r, s = 0.6, 0.5
    x = rng.integers(0, 12, 120).astype(float)
    T = rng.choice([20.0, 39.0, 52.0], 120)
    t_x = np.where(x > 0, np.floor(rng.uniform(0, 1, 120) * T), 0.0)  # t_x < T: J > 0
    z = abs(alpha - beta) / (max(alpha, beta) + t_x)
    if alpha != 11.6:
        assert (z < _POLYNOMIAL_Z).any() and (z >= _POLYNOMIAL_Z).any()
    log_j, grad = pareto_nbd_integral(r, alpha, s, beta, x, t_x, T)
    expected = [_closed_form_log_j(r, alpha, s, beta, *row) for row in zip(x, t_x, T, strict=True)]
    np.testing.assert_allclose(log_j, expected, rtol=1e-12)
    np.testing.assert_allclose(grad, _central_differences([r, alpha, s, beta], (x, t_x, T)), rtol=1e-5, atol=1e-8)
