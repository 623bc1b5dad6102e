"""Higher-order constructs and interaction terms against seminr's published fixtures.

References: seminr 2.3 (github sem-in-r/seminr@ae2524a, tests/fixtures/V_3_6_0, copied to
tests/reference/seminr/), all estimated with seminr's default path weighting (our scheme="path"):
* hoc-paths.csv, hoc-loadings.csv, hoc-weights.csv — tests/testthat/test-hoc.R, Satisfaction as a
  higher_composite(two_stage) of Image and Value (seminr's two-stage is the disjoint variant);
* hoc_2si-paths.csv — test-hoc.R, HOC "Nick" of Quality and Loyalty plus a two-stage Image*Expectation;
* plsc-interaction-paths.csv / -reliability.csv — test-consistent-interactions.R, PLSc with an orthogonal
  interaction (published rounded to 3 decimals);
* rho2.csv — test-consistent.R, ρA with two orthogonal interactions (factorial scheme);
* interaction_fsquare.csv — test-plsc-fsquared.R, f² of the corporate-reputation model with a two-stage
  CUSA*SC interaction; seminr re-estimates the model without each path (our reestimate=True);
* corp_rep_simple_paths.csv — test_clean_data.R, mean replacement of the -99 answers.
Repeated indicators: tests/reference/plspm_0_5_7_ecsi_repeated_indicators.json, the same model written out with
copied columns and fitted by plspm 0.5.7 (Python port of R plspm) in its own environment.
seminr reports the interaction's ρA as 1 and its ρc/AVE from loadings on the rescaled score; only ρA is
comparable and compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as cl
from crmlab.satisfaction import PathModel, corp_rep_model, plspm, simple_slopes

SEMINR = cl.paths.PROJECT_ROOT / "tests" / "reference" / "seminr"
TIGHT = {"tol": 1e-14, "max_iter": 1000}
IMAGE, EXPECT = [f"IMAG{i}" for i in range(1, 6)], ["CUEX1", "CUEX2", "CUEX3"]
VALUE, SATISFACTION = ["PERV1", "PERV2"], ["CUSA1", "CUSA2", "CUSA3"]


@pytest.fixture(scope="module")
def mobi():
    return cl.datasets.load_ecsi()


@pytest.fixture(scope="module")
def corp_rep():
    return cl.datasets.load_corp_rep()


def seminr(name):
    return pd.read_csv(SEMINR / name, index_col=0)


def test_disjoint_two_stage_hoc_equals_seminr(mobi):
    model = PathModel(blocks={"Image": IMAGE, "Expectation": EXPECT, "Quality": [f"PERQ{i}" for i in range(1, 8)],
                              "Value": VALUE, "Complaints": ["CUSCO"], "Loyalty": ["CUSL1", "CUSL2", "CUSL3"]},
                      higher_order={"Satisfaction": ["Image", "Value"]},
                      paths=[("Expectation", "Satisfaction"), ("Quality", "Satisfaction"),
                             ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty")])
    result = plspm(mobi, model, scheme="path", hoc_method="disjoint_two_stage", **TIGHT)
    paths = seminr("hoc-paths.csv")
    assert np.allclose(result.path_coefficients.loc[paths.index, paths.columns], paths, atol=1e-6)
    second_stage = result.model.indicators  # the HOC's indicators are the dimension scores
    assert result.model.blocks["Satisfaction"] == ["Image", "Value"]
    loadings = seminr("hoc-loadings.csv").sum(axis=1)[second_stage]
    weights = seminr("hoc-weights.csv").sum(axis=1)[second_stage]
    assert np.allclose(result.loadings[second_stage], loadings, atol=1e-6)
    assert np.allclose(result.weights[second_stage], weights, atol=1e-6)


def test_hoc_with_two_stage_interaction_equals_seminr(mobi):
    model = PathModel(blocks={"Image": IMAGE, "Expectation": EXPECT, "Quality": [f"PERQ{i}" for i in range(1, 6)],
                              "Loyalty": ["CUSL1", "CUSL2", "CUSL3"], "Value": VALUE, "Satisfaction": SATISFACTION},
                      higher_order={"Nick": ["Quality", "Loyalty"]}, interactions=[("Image", "Expectation")],
                      paths=[(c, "Satisfaction") for c in ("Image", "Expectation", "Value", "Nick",
                                                           "Image*Expectation")])
    result = plspm(mobi, model, scheme="path", hoc_method="disjoint_two_stage", interaction_method="two_stage",
                   **TIGHT)
    paths = seminr("hoc_2si-paths.csv")
    assert np.allclose(result.path_coefficients.loc[paths.index, paths.columns], paths, atol=1e-6)


def test_repeated_indicators_equal_plspm_with_copied_columns(mobi):
    import json

    reference = json.loads((SEMINR.parent / "plspm_0_5_7_ecsi_repeated_indicators.json").read_text())
    model = PathModel(blocks={"Expectation": EXPECT, "Image": IMAGE, "Value": VALUE,
                              "Loyalty": ["CUSL1", "CUSL2", "CUSL3"]},
                      higher_order={"Satisfaction": ["Image", "Value"]},
                      paths=[("Expectation", "Satisfaction"), ("Satisfaction", "Loyalty")])
    result = plspm(mobi, model, scheme="centroid", scaled=False, hoc_method="repeated_indicators", **TIGHT)
    for path in reference["path_coefficients"]:
        assert result.path_coefficients.loc[path["from"], path["to"]] == pytest.approx(path["value"], abs=1e-6)
    for table, expected in ((result.r2, reference["r_squared"]), (result.loadings, reference["outer_loadings"]),
                            (result.weights, reference["outer_weights"])):
        for name, value in expected.items():
            assert table[name] == pytest.approx(value, abs=1e-6), name


def test_repeated_indicators_and_embedded_two_stage_agree_on_the_hoc(mobi):
    model = PathModel(blocks={"Image": IMAGE, "Value": VALUE, "Expectation": EXPECT,
                              "Loyalty": ["CUSL1", "CUSL2", "CUSL3"]},
                      higher_order={"Satisfaction": ["Image", "Value"]},
                      paths=[("Expectation", "Satisfaction"), ("Satisfaction", "Loyalty")])
    repeated = plspm(mobi, model, scheme="path", hoc_method="repeated_indicators")
    embedded = plspm(mobi, model, scheme="path", hoc_method="two_stage")
    # repeated indicators: the HOC is measured by the dimensions' 7 indicators and drives each dimension
    assert len(repeated.model.blocks["Satisfaction"]) == 7 and ("Satisfaction", "Image") in repeated.model.paths
    assert embedded.model.blocks["Satisfaction"] == ["Image", "Value"]
    for result in (repeated, embedded):
        assert 0.4 < result.path_coefficients.loc["Satisfaction", "Loyalty"] < 0.8
    assert embedded.path_coefficients.loc["Satisfaction", "Loyalty"] == pytest.approx(
        repeated.path_coefficients.loc["Satisfaction", "Loyalty"], abs=0.05)
    boot = embedded.bootstrap(20, seed=0, progress=False)  # both stages are refitted per resample
    assert boot.paths.loc[("Satisfaction", "Loyalty"), "standard_error"] > 0


def test_plsc_with_orthogonal_interaction_equals_seminr(mobi):
    model = PathModel(blocks={"Image": IMAGE, "Expectation": ["CUEX3"], "Value": VALUE, "Satisfaction": SATISFACTION},
                      interactions=[("Image", "Expectation")],
                      paths=[(c, "Satisfaction") for c in ("Image", "Expectation", "Value", "Image*Expectation")])
    result = plspm(mobi, model, scheme="path", consistent=True, interaction_method="orthogonal", **TIGHT)
    published = seminr("plsc-interaction-paths.csv")["Satisfaction"]  # rounded to 3 decimals
    for cause in ("Image", "Expectation", "Value", "Image*Expectation"):
        assert result.path_coefficients.loc[cause, "Satisfaction"] == pytest.approx(published[cause], abs=5e-4)
    assert result.r2["Satisfaction"] == pytest.approx(published["R^2"], abs=5e-4)
    reliability = seminr("plsc-interaction-reliability.csv")
    ours = result.reliability()
    for construct in ("Image", "Expectation", "Value", "Satisfaction"):
        for theirs, column in (("alpha", "cronbach_alpha"), ("rhoC", "rho_c"), ("AVE", "ave"), ("rhoA", "rho_a")):
            assert ours.loc[construct, column] == pytest.approx(reliability.loc[construct, theirs], abs=1e-6)
    assert result.rho_a["Image*Expectation"] == 1.0


def test_rho_a_with_two_orthogonal_interactions_equals_seminr(mobi):
    causes = ("Image", "Expectation", "Value", "Image*Expectation", "Image*Value")
    model = PathModel(blocks={"Image": IMAGE, "Expectation": EXPECT, "Value": VALUE, "Satisfaction": SATISFACTION},
                      interactions=[("Image", "Expectation"), ("Image", "Value")],
                      paths=[(c, "Satisfaction") for c in causes])
    result = plspm(mobi, model, scheme="factorial", consistent=True, interaction_method="orthogonal", **TIGHT)
    rho = seminr("rho2.csv")["rhoA"]
    assert np.allclose(result.rho_a[rho.index], rho, atol=1e-6)


def corp_rep_with_switching_costs():
    base = corp_rep_model()
    return PathModel(blocks={**base.blocks, "SC": [f"switch_{i}" for i in range(1, 5)]}, modes=base.modes,
                     paths=[*base.paths, ("SC", "CUSL"), ("CUSA*SC", "CUSL")], interactions=[("CUSA", "SC")])


def test_f_squared_by_reestimation_equals_seminr(corp_rep):
    result = plspm(corp_rep, corp_rep_with_switching_costs(), scheme="path", missing="mean", **TIGHT)
    ours = result.f_squared(reestimate=True).set_index(["from", "to"])["f2"]
    published = seminr("interaction_fsquare.csv")
    for (cause, effect), value in ours.items():
        if np.isnan(published.loc[cause, effect]):  # the interaction's components: no f² in seminr either
            assert np.isnan(value), (cause, effect)
        else:
            assert value == pytest.approx(published.loc[cause, effect], abs=1e-7), (cause, effect)


def test_mean_replacement_of_missing_answers_equals_seminr(corp_rep):
    base = corp_rep_model()
    model = PathModel(blocks={c: base.blocks[c] for c in ("COMP", "LIKE", "CUSA", "CUSL")},
                      paths=[("COMP", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSA"), ("LIKE", "CUSL"), ("CUSA", "CUSL")])
    result = plspm(corp_rep, model, scheme="path", missing="mean", **TIGHT)
    paths = seminr("corp_rep_simple_paths.csv")
    assert np.allclose(result.path_coefficients.loc[paths.index, paths.columns], paths, atol=1e-6)


@pytest.mark.parametrize("method", ["product_indicator", "orthogonal", "two_stage"])
def test_simple_slopes_follow_the_interaction(corp_rep, method):
    result = plspm(corp_rep, corp_rep_with_switching_costs(), scheme="path", missing="mean",
                   interaction_method=method)
    slopes = simple_slopes(result, "CUSA", "SC")
    B = result.path_coefficients
    assert slopes.loc[0.0, "slope"] == pytest.approx(B.loc["CUSA", "CUSL"])
    assert slopes.loc[1.0, "slope"] - slopes.loc[0.0, "slope"] == pytest.approx(B.loc["CUSA*SC", "CUSL"])
    assert np.isclose(slopes.loc[1.0, "slope"] + slopes.loc[-1.0, "slope"], 2 * slopes.loc[0.0, "slope"])
    ax = cl.plotting.plot_simple_slopes(slopes, "CUSA", "SC")
    assert len(ax.get_legend().get_texts()) == 3 and "SC" in ax.get_title()
    with pytest.raises(ValueError, match="no interaction"):
        simple_slopes(result, "COMP", "SC")


def test_product_indicator_term_has_every_product(corp_rep):
    result = plspm(corp_rep, corp_rep_with_switching_costs(), missing="mean", interaction_method="product_indicator")
    assert result.model.blocks["CUSA*SC"] == [f"cusa*switch_{i}" for i in range(1, 5)]
    assert result.interaction_scale["CUSA*SC"] > 0.5 and result.interaction_scale["CUSL"] == 1.0
