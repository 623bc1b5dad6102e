"""PLS path modelling against R plspm, and the engine's checks.

Reference: tests/reference/r_plspm_bank_satisfaction.json — R plspm (Sanchez) on the bank survey,
centroid scheme, Mode A, indicators centred not scaled (as shipped in the test data of the plspm Python port).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import crmlab as cl
from crmlab.satisfaction import PathModel, bank_model, ecsi_model, plspm

REFERENCE = cl.paths.PROJECT_ROOT / "tests" / "reference" / "r_plspm_bank_satisfaction.json"


def assert_matches(result, reference, tolerance=1e-6):
    """Paths, R², loadings and weights of a fit equal a reference table (same JSON layout for both sources)."""
    for path in reference["path_coefficients"]:
        assert result.path_coefficients.loc[path["from"], path["to"]] == pytest.approx(path["value"], abs=tolerance)
    for table, expected in ((result.r2, reference["r_squared"]), (result.loadings, reference["outer_loadings"]),
                            (result.weights, reference["outer_weights"])):
        for name, value in expected.items():
            assert table[name] == pytest.approx(value, abs=tolerance), name


@pytest.fixture(scope="module")
def bank():
    return cl.datasets.load_bank_satisfaction()


@pytest.fixture(scope="module")
def reference():
    return json.loads(REFERENCE.read_text())


def test_reproduces_r_plspm_on_the_bank_survey(bank, reference):
    result = plspm(bank, bank_model(), scheme="centroid", scaled=False, tol=1e-6)
    assert result.converged
    assert_matches(result, reference)
    assert result.gof == pytest.approx(reference["gof"], abs=1e-6)


def test_standardising_indicators_changes_the_weights(bank):
    centred = plspm(bank, bank_model(), scaled=False)
    standard = plspm(bank, bank_model(), scaled=True)
    assert not np.allclose(centred.weights, standard.weights)
    assert (standard.loadings > 0).all() and (standard.weights > 0).all()


@pytest.mark.parametrize("scheme", ["centroid", "factorial", "path"])
def test_ecsi_model_fits_with_every_scheme(scheme):
    result = plspm(cl.datasets.load_ecsi(), ecsi_model(), scheme=scheme)
    assert result.converged and result.iterations < 50
    assert result.r2["Satisfaction"] > 0.5 and result.path_coefficients.loc["Value", "Satisfaction"] > 0
    scores = result.scores
    assert np.allclose(scores.mean(), 0) and np.allclose(scores.std(ddof=0), 1)


def test_effects_add_up_and_follow_chains():
    result = plspm(cl.datasets.load_ecsi(), ecsi_model())
    effects = result.effects().set_index(["from", "to"])
    assert np.allclose(effects["direct"] + effects["indirect"], effects["total"])
    B = result.path_coefficients
    # Image reaches Loyalty directly, through Satisfaction, and through Satisfaction -> Complaints
    chain = B.loc["Image", "Satisfaction"] * B.loc["Satisfaction", "Loyalty"] + \
        B.loc["Image", "Satisfaction"] * B.loc["Satisfaction", "Complaints"] * B.loc["Complaints", "Loyalty"] + \
        B.loc["Image", "Expectation"] * (
            B.loc["Expectation", "Satisfaction"] + B.loc["Expectation", "Quality"] * B.loc["Quality", "Satisfaction"]
            + B.loc["Expectation", "Value"] * B.loc["Value", "Satisfaction"]
            + B.loc["Expectation", "Quality"] * B.loc["Quality", "Value"] * B.loc["Value", "Satisfaction"]) * (
            B.loc["Satisfaction", "Loyalty"] + B.loc["Satisfaction", "Complaints"] * B.loc["Complaints", "Loyalty"])
    assert effects.loc[("Image", "Loyalty"), "indirect"] == pytest.approx(chain)
    assert (result.adjusted_r2 < result.r2).all()


def test_quality_measures_are_consistent(bank):
    result = plspm(bank, bank_model())
    reliability = result.reliability()
    assert ((reliability["ave"] > 0) & (reliability["ave"] <= 1)).all()
    assert (reliability["rho_c"] >= reliability["cronbach_alpha"] - 1e-9).all()  # ρc bounds α from above
    sat = [f"sat{i}" for i in range(1, 5)]
    assert reliability.loc["SAT", "ave"] == pytest.approx(np.mean(result.loadings[sat] ** 2))
    htmt = result.htmt()
    assert np.allclose(htmt, htmt.T, equal_nan=True) and htmt.notna().sum().sum() == 30
    fl = result.fornell_larcker()
    assert np.allclose(np.diag(fl), np.sqrt(reliability["ave"]))
    vif = result.vif()
    assert set(vif["effect"]) == {"VAL", "SAT", "LOY"} and (vif["vif"] >= 1).all()


def test_index_scores_run_from_0_to_100(bank):
    result = plspm(bank, bank_model())
    index = result.index_scores(scale=(0, 10))  # the bank survey answers on 0-10
    assert ((index >= 0) & (index <= 100)).all().all()
    # a weighted mean of the raw answers with the unstandardised weights, normalised to sum to 1
    block = [f"sat{i}" for i in range(1, 5)]
    raw = result.weights[block] / result.spread[block]
    expected = bank[block].to_numpy() @ (raw / raw.sum()).to_numpy() * 10
    assert np.allclose(index["SAT"], expected)
    with pytest.raises(ValueError, match="highest > lowest"):
        result.index_scores(scale=(10, 0))


def test_mode_b_and_user_models():
    data = cl.datasets.load_ecsi()
    model = PathModel(blocks={"Quality": [f"PERQ{i}" for i in range(1, 8)],
                              "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"]},
                      paths=[("Quality", "Satisfaction")], modes={"Quality": "B"})
    result = plspm(data, model)
    assert result.converged and 0 < result.r2["Satisfaction"] < 1


def test_missing_answers_are_dropped_and_counted_or_imputed(bank):
    holes = bank.copy()
    holes.loc[holes.index[:3], "sat2"] = np.nan
    assert plspm(holes, bank_model(), missing="listwise").dropped == 3
    assert len(plspm(holes, bank_model(), missing="mean").scores) == 250


def test_bootstrap_intervals_cover_the_estimates_and_are_reproducible():
    result = plspm(cl.datasets.load_ecsi(), ecsi_model())
    first = result.bootstrap(60, seed=1, progress=False)
    again = result.bootstrap(60, seed=1, progress=False)
    assert first.paths.equals(again.paths)
    for table in (first.paths, first.loadings, first.indirect_effects, first.htmt):
        assert (table["lower_95%"] <= table["upper_95%"]).all() and (table["standard_error"] > 0).all()
    paths = first.paths
    assert ((paths["lower_95%"] <= paths["estimate"]) & (paths["estimate"] <= paths["upper_95%"])).all()
    assert len(first.paths) == 12 and first.resamples == 60


def test_bootstrap_redraws_resamples_with_a_constant_indicator():
    data = cl.datasets.load_ecsi()
    data.loc[data.index[:2], "CUSCO"] = 1  # make CUSCO nearly constant: resamples often miss both rare answers
    data.loc[data.index[2:], "CUSCO"] = 7
    result = plspm(data, ecsi_model())
    boot = result.bootstrap(40, seed=3, progress=False)
    assert boot.redrawn > 0 and boot.resamples == 40


def test_ipma_importance_is_the_total_effect_in_the_index_metric():
    result = plspm(cl.datasets.load_ecsi(), ecsi_model())
    table = result.ipma("Loyalty", scale=(1, 10))
    assert set(table.index) == {"Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints"}
    index = result.index_scores(scale=(1, 10))
    total = result.effects().set_index(["from", "to"]).loc[("Satisfaction", "Loyalty"), "total"]
    assert table.loc["Satisfaction", "importance"] == pytest.approx(
        total * index["Loyalty"].std(ddof=0) / index["Satisfaction"].std(ddof=0))
    assert table.loc["Quality", "performance"] == pytest.approx(index["Quality"].mean())
    assert ((table["performance"] > 0) & (table["performance"] < 100)).all()
    with pytest.raises(ValueError, match="no construct drives"):
        result.ipma("Image")
    ax = cl.plotting.plot_ipma(table, "Loyalty")
    assert "Loyalty" in ax.get_title() and len(ax.texts) == 6


def test_reproduces_the_independent_plspm_table_for_the_ecsi_mobile_model():
    # tests/reference/plspm_0_5_7_ecsi_mobi.json: the Python port of plspm, version 0.5.7, run in its own
    # environment (pandas 2) on the same survey, centroid scheme, centred indicators
    reference = json.loads((cl.paths.PROJECT_ROOT / "tests" / "reference" / "plspm_0_5_7_ecsi_mobi.json").read_text())
    assert_matches(plspm(cl.datasets.load_ecsi(), ecsi_model(), scheme="centroid", scaled=False), reference)


def test_resampling_runs_with_one_blas_thread_and_restores_the_setting(monkeypatch):
    """OpenBLAS's workers slow down the small matrix products of PLS (see crmlab.satisfaction.threads)."""
    import importlib

    import threadpoolctl

    bootstrap_module = importlib.import_module("crmlab.satisfaction.bootstrap")

    def blas_threads():
        return [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]

    before = blas_threads()
    during = []
    refit = bootstrap_module.refit

    def recording_refit(*args, **kwargs):
        during.append(set(blas_threads()))
        return refit(*args, **kwargs)

    monkeypatch.setattr(bootstrap_module, "refit", recording_refit)
    plspm(cl.datasets.load_bank_satisfaction(), bank_model()).bootstrap(3, seed=1, progress=False)
    assert before and len(during) == 3 and all(threads == {1} for threads in during)
    assert blas_threads() == before
