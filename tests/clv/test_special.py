"""The series behind the likelihoods, against mpmath at 40 digits (an independent implementation)."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.clv._special import log_hyp2f1, pareto_nbd_integral

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


def test_pareto_nbd_integral_matches_the_closed_form_and_its_gradient(rng):
    for _ in range(150):
        r, alpha, s, beta = np.exp(rng.uniform(-2, 3, 4))
        x, T = float(rng.integers(0, 200)), rng.uniform(1, 80)
        t_x = rng.uniform(0, T)
        args = [np.array([v]) for v in (x, t_x, T)]
        log_j, grad = pareto_nbd_integral(r, alpha, s, beta, *args)
        assert log_j[0] == pytest.approx(_closed_form_log_j(r, alpha, s, beta, x, t_x, T), rel=1e-12)
        params = np.array([r, alpha, s, beta])
        for j in range(4):
            up, down = params.copy(), params.copy()
            up[j] *= 1 + 1e-6
            down[j] *= 1 - 1e-6
            numeric = (pareto_nbd_integral(*up, *args)[0] - pareto_nbd_integral(*down, *args)[0]) / (2e-6 * params[j])
            assert grad[0, j] == pytest.approx(numeric[0], rel=1e-4, abs=1e-8)
