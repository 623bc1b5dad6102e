"""CB-SEM through semopy, beside PLS and PLSc.

Reference: lavaan's ML estimates of Bollen's political-democracy model (the lavaan tutorial model with six
correlated measurement errors), as printed by ``summary(fit)`` with lavaan 0.5-23.1097 in the README of
github asqm/digavaan (chi-square 38.125 on 35 df; loadings x2 2.180, x3 1.819, y2 1.257, y3 1.058, y4 1.265,
y6 1.186, y7 1.280, y8 1.266; paths 1.483, 0.572, 0.837; printed to 3 decimals, and lavaan and semopy stop at
slightly different points of this flat likelihood, so 2e-3 is the tolerance). The data are semopy's copy of
lavaan's PoliticalDemocracy (75 countries).
"""

from __future__ import annotations

import numpy as np
import pytest

import crmlab as cl
from crmlab.satisfaction import ModelSpecificationError, PathModel, bank_model, cbsem, compare_estimates, plspm

semopy = pytest.importorskip("semopy", reason="CB-SEM needs the optional dependency semopy (crmlab[sem])")


def test_political_democracy_equals_lavaan():
    from semopy.examples import political_democracy

    model = PathModel(blocks={"ind60": ["x1", "x2", "x3"], "dem60": ["y1", "y2", "y3", "y4"],
                              "dem65": ["y5", "y6", "y7", "y8"]},
                      paths=[("ind60", "dem60"), ("ind60", "dem65"), ("dem60", "dem65")])
    errors = [("y1", "y5"), ("y2", "y4"), ("y2", "y6"), ("y3", "y7"), ("y4", "y8"), ("y6", "y8")]
    result = cbsem(political_democracy.get_data(), model, error_covariances=errors)
    lavaan = {("ind60", "x2"): 2.180, ("ind60", "x3"): 1.819, ("dem60", "y2"): 1.257, ("dem60", "y3"): 1.058,
              ("dem60", "y4"): 1.265, ("dem65", "y6"): 1.186, ("dem65", "y7"): 1.280, ("dem65", "y8"): 1.266}
    for key, value in lavaan.items():
        assert result.loadings.loc[key, "estimate"] == pytest.approx(value, abs=2e-3), key
    paths = result.path_coefficients
    for key, value in {("ind60", "dem60"): 1.483, ("ind60", "dem65"): 0.572, ("dem60", "dem65"): 0.837}.items():
        assert paths.loc[key, "estimate"] == pytest.approx(value, abs=2e-3), key
    assert np.allclose(paths["standardised"], [0.447, 0.182, 0.885], atol=2e-3)  # lavaan's std.all
    assert result.fit_statistics["chi2"] == pytest.approx(38.125, abs=1e-3)
    assert result.fit_statistics["DoF"] == 35
    assert "ind60 =~ x1 + x2 + x3" in result.syntax and "y6 ~~ y8" in result.syntax


def test_pls_plsc_and_cbsem_side_by_side_on_the_bank_survey():
    bank = cl.datasets.load_bank_satisfaction()
    pls, plsc, cb = plspm(bank, bank_model()), plspm(bank, bank_model(), consistent=True), cbsem(bank, bank_model())
    table = compare_estimates(PLS=pls, PLSc=plsc, CB_SEM=cb)
    assert list(table.columns) == ["PLS", "PLSc", "CB_SEM"] and len(table) == 10
    # PLSc targets the common-factor model that CB-SEM estimates: on the well-measured path image -> expectation
    # the two agree, and both exceed the attenuated PLS estimate
    row = table.loc[("IMAG", "EXPE")]
    assert row["PLSc"] == pytest.approx(row["CB_SEM"], abs=0.03) and row["PLS"] < row["PLSc"]
    assert "CFI" in str(cb)


def test_cbsem_refuses_composites_and_unknown_error_covariances():
    bank = cl.datasets.load_bank_satisfaction()
    model = bank_model()
    formative = PathModel(blocks=model.blocks, paths=model.paths, modes={"IMAG": "B"})
    with pytest.raises(ModelSpecificationError, match="formative"):
        cbsem(bank, formative)
    with pytest.raises(ModelSpecificationError, match="not an indicator"):
        cbsem(bank, model, error_covariances=[("imag1", "nope")])
