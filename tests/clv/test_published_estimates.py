"""Each model reproduces the maximum-likelihood estimates published for its reference data.

Sources are cited beside each number; see also tests/reference/README.md.
"""

from __future__ import annotations

import numpy as np
import pytest

import crmlab as cl


def test_bgnbd_cdnow_fader_hardie_lee_2005(cdnow_published):
    model = cl.clv.BetaGeo().fit(cdnow_published)
    # Fader, Hardie & Lee (2005), section 4: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    assert model.params_.round(3).tolist() == [0.243, 4.414, 0.793, 2.426]
    assert round(model.log_likelihood_, 1) == -9582.4
    # Hardie's BG/NBD spreadsheet: customer with x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in 39 weeks
    assert model.expected_purchases(39, cdnow_published.loc[[1]]).item() == pytest.approx(1.226, abs=5e-4)
    expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]  # same spreadsheet, E[X(t)]
    np.testing.assert_allclose(model.expected_purchases_new_customer([0.1429, 1, 3, 31.8571, 32, 78]), expected,
                               atol=6e-4)


def test_paretonbd_cdnow_estimates_and_standard_errors(cdnow_published):
    model = cl.clv.ParetoNBD().fit(cdnow_published)
    # Fader, Hardie & Lee (2005), table 1: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0
    # beta is weakly identified (SE 6.2): the flat likelihood puts our optimum 0.001 below the published one
    np.testing.assert_allclose(model.params_, [0.553, 10.578, 0.606, 11.669], atol=1.5e-3)
    assert round(model.log_likelihood_, 1) == -9595.0
    # CLVTools' observed-information standard errors (tests/testthat/test_correctness_pnbd.R)
    np.testing.assert_allclose(model.standard_errors_, [0.0476264, 0.8427222, 0.1872594, 6.2105448], rtol=2e-3)


def test_mbgnbd_cdnow_btydplus(cdnow_published):
    model = cl.clv.ModifiedBetaGeo().fit(cdnow_published)
    # BTYDplus (Platzer), as used in lifetimes' tests: r = 0.525, alpha = 6.183, a = 0.891, b = 1.614
    assert model.params_.round(3).tolist() == [0.525, 6.183, 0.891, 1.614]


def test_gammagamma_cdnow_fader_hardie_2013(cdnow_weeks):
    model = cl.clv.GammaGamma().fit(cdnow_weeks)
    # Fader & Hardie (2013), "The Gamma-Gamma model of monetary value": p = 6.25, q = 3.74, gamma = 15.44
    assert model.params_.round(2).tolist() == [6.25, 3.74, 15.44]
    assert model.log_likelihood_ == pytest.approx(-4055.9177, abs=1e-3)  # CLVTools test_correctness_gg.R
    assert model.n_customers_ == 946 and model.n_excluded_ == 1411  # repeat buyers / one-time buyers


def test_bgbb_donations_fader_hardie_shang_2010():
    donations = cl.datasets.load_donations()
    model = cl.clv.BetaGeoBetaBinom().fit(donations, weights="weights")
    # Fader, Hardie & Shang (2010), table 2: alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783, LL = -33,225.6
    assert model.params_.round(3).tolist() == [1.204, 0.750, 0.657, 2.783]
    assert round(model.log_likelihood_, 1) == -33225.6
    assert model.n_customers_ == 11_104
    # Hardie's note 010 spreadsheet, "Tracking Plot" B7:B17: expected cumulative donations of a new donor
    tracking = [0.4985, 0.9233, 1.2969, 1.6323, 1.9381, 2.2202, 2.4826, 2.7285, 2.9603, 3.1798, 3.3887]
    np.testing.assert_allclose(model.expected_purchases_new_customer(np.arange(1, 12)), tracking, atol=1e-4)
