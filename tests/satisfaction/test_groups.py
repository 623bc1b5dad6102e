"""Multi-group analysis (PLS-MGA, permutation test) and MICOM.

Reference: seminr 2.3's PLS-MGA fixture, github sem-in-r/seminr@ae2524a
tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS (converted to tests/reference/seminr/pls-mga-mobi-100.csv with the
Python package rdata), written by tests/testthat/test-pls-mga.R: the ECSI model on mobi, path weighting, groups
from R's ``set.seed(798234); sample(c(TRUE, FALSE), nrow(mobi), replace = TRUE)``, 100 bootstrap resamples per
group. The split is reproduced with R's random numbers (tests/satisfaction/r_random.py); the group-wise
estimates are deterministic and compared exactly. seminr's bootstrap means and p-values come from its own 100
random resamples, so ours (other resamples) can only agree within Monte Carlo error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import DataError, MissingColumnError
from crmlab.satisfaction import bank_model, ecsi_model, mga, micom
from crmlab.satisfaction.mga import henseler_p

from .r_random import RRandom

REFERENCE = cl.paths.PROJECT_ROOT / "tests" / "reference" / "seminr" / "pls-mga-mobi-100.csv"


@pytest.fixture(scope="module")
def mobi_split():
    return cl.datasets.load_ecsi().assign(split=np.where(RRandom(798234).sample_true_false(250), "first", "second"))


@pytest.fixture(scope="module")
def seminr_mga():
    table = pd.read_csv(REFERENCE)
    return table.set_index(["source", "target"])


def test_group_estimates_equal_seminr_and_p_values_agree_within_monte_carlo_error(mobi_split, seminr_mga):
    result = mga(mobi_split, ecsi_model(), group="split", groups=("first", "second"), scheme="path", tol=1e-14,
                 max_iter=1000, n_bootstrap=200, n_permutations=0, seed=3, progress=False)
    table = result.table
    assert result.sizes == (115, 135)
    for column, theirs in (("estimate", "estimate"), ("first", "group1_beta"), ("second", "group2_beta"),
                           ("difference", "diff")):
        assert np.allclose(table[column], seminr_mga.loc[table.index, theirs], atol=1e-6), column
    assert np.allclose(table["p_mga"], seminr_mga.loc[table.index, "pls_mga_p"], atol=0.12)
    assert np.allclose(table["first_bootstrap_mean"], seminr_mga.loc[table.index, "group1_beta_mean"], atol=0.04)
    # the clearest difference (Satisfaction -> Complaints, 0.32 vs 0.68) is significant both ways
    assert table.loc[("Satisfaction", "Complaints"), "p_mga_two_sided"] < 0.05


def test_henseler_p_counts_every_pair():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.3, 0.1, (50, 2)), rng.normal(0.1, 0.1, (60, 2))
    centred_a, centred_b = 2 * a.mean(axis=0) - a, 2 * b.mean(axis=0) - b
    brute = [1 - np.mean(centred_a[:, k][:, None] - centred_b[:, k][None, :] > 0) for k in range(2)]
    assert np.allclose(henseler_p(a, b), brute)


def test_permutation_test_is_reproducible_and_flags_the_large_difference(mobi_split):
    kwargs = dict(group="split", scheme="path", n_bootstrap=0, n_permutations=60, seed=5, progress=False)
    first = mga(mobi_split, ecsi_model(), **kwargs)
    again = mga(mobi_split, ecsi_model(), **kwargs)
    assert first.table["p_permutation"].equals(again.table["p_permutation"])
    assert first.table.loc[("Satisfaction", "Complaints"), "p_permutation"] < 0.05
    assert first.table.loc[("Quality", "Value"), "p_permutation"] > 0.3
    assert "permutations" in str(first) and "<table" in first._repr_html_()


def test_micom_accepts_gender_groups_of_the_bank_survey_and_reports_three_steps():
    bank = cl.datasets.load_bank_satisfaction()
    result = micom(bank, bank_model(), group="gender", n_permutations=60, seed=1, progress=False)
    summary = result.summary()
    assert list(summary.index) == bank_model().constructs
    assert (summary["c"] > 0.98).all() and (summary["c"] <= 1).all()
    assert set(summary["invariance"]) <= {"full invariance", "partial invariance", "no invariance"}
    assert ((result.means["quantile_2.5%"] < 0) & (result.means["quantile_97.5%"] > 0)).all()


def test_micom_detects_a_composite_that_differs_between_groups():
    bank = cl.datasets.load_bank_satisfaction()
    rng = np.random.default_rng(4)
    changed = bank.copy()
    women = changed["gender"] == "female"
    # in one group, the image block's first indicator becomes pure noise: its weight differs by design
    changed.loc[women, "imag1"] = rng.integers(1, 11, women.sum())
    result = micom(changed, bank_model(), group="gender", n_permutations=60, seed=1, progress=False)
    assert not result.compositional.loc["IMAG", "invariant"]
    assert result.compositional.loc["IMAG", "c"] < result.compositional.drop("IMAG")["c"].min()


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda d: d.drop(columns="gender"), MissingColumnError, "gender"),
    (lambda d: d.assign(gender="male"), DataError, "two groups"),
    (lambda d: d.assign(gender=np.where(d.index < 3, "tiny", d["gender"])), DataError, "two groups"),
    (lambda d: d.assign(gender=np.where(d.index < 4, "tiny", "rest")), DataError, "needs at least"),
])
def test_bad_groups_get_crmlab_errors(make, error, message):
    bank = cl.datasets.load_bank_satisfaction()
    with pytest.raises(error, match=message):
        mga(make(bank), bank_model(), group="gender", n_bootstrap=0, n_permutations=0, progress=False)
