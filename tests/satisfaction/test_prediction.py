"""PLSpredict and CVPAT.

Reference: seminrExtras (github sem-in-r/seminrExtras@9c14cd9) tests/fixtures/cvpat1.csv, copied to
tests/reference/seminrextras/, written by tests/testthat/test-cvpat.R: corporate reputation, COMP and LIKE ->
CUSA -> CUSL (model one) vs. the same plus COMP, LIKE -> CUSL (model two), mean replacement, path weighting,
earliest-antecedent prediction, 3 folds from ``set.seed(123)`` and one ``sample(344)`` shuffle per model
(rebuilt with tests/satisfaction/r_random.py), folds = ``cut(1:344, 3)`` of the shuffled rows. The PLS losses
are deterministic given the folds and compared at 1e-6; seminr's bootstrap (30 resamples) and its LM benchmark
(which regresses on every other indicator, not only the exogenous ones) are not comparable.
The LM benchmark is checked against scikit-learn's LinearRegression on the same folds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import PredefinedSplit, cross_val_predict

import crmlab as cl
from crmlab.errors import DataError
from crmlab.satisfaction import PathModel, corp_rep_model, cvpat, ecsi_model, pls_predict
from crmlab.satisfaction.cvpat import construct_losses

from .r_random import RRandom

FIXTURE = cl.paths.PROJECT_ROOT / "tests" / "reference" / "seminrextras" / "cvpat1.csv"
BLOCKS = {c: corp_rep_model().blocks[c] for c in ("COMP", "LIKE", "CUSA", "CUSL")}
MODEL_ONE = PathModel(blocks=BLOCKS, paths=[("COMP", "CUSA"), ("LIKE", "CUSA"), ("CUSA", "CUSL")])
MODEL_TWO = PathModel(blocks=BLOCKS, paths=[("COMP", "CUSA"), ("LIKE", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSL"),
                                            ("CUSA", "CUSL")])


@pytest.fixture(scope="module")
def corp_rep():
    return cl.datasets.load_corp_rep()


def r_folds(order: np.ndarray, folds: int) -> np.ndarray:
    """Fold of each original row: ``cut(seq(1, n), breaks = folds, labels = FALSE)`` applied to the shuffled rows."""
    n = len(order)
    edges = np.linspace(1, n, folds + 1)
    edges[0], edges[-1] = edges[0] - (n - 1) / 1000, edges[-1] + (n - 1) / 1000
    labels = np.empty(n, dtype=int)
    labels[order - 1] = np.searchsorted(edges, np.arange(1, n + 1), side="left")
    return labels


def test_cvpat_losses_equal_seminrextras(corp_rep):
    rng = RRandom(123)
    folds_one, folds_two = r_folds(rng.sample(344), 3), r_folds(rng.sample(344), 3)
    published = pd.read_csv(FIXTURE, index_col=0)
    for model, folds, column in ((MODEL_ONE, folds_one, "Base Model Loss"), (MODEL_TWO, folds_two, "Alt Model Loss")):
        prediction = pls_predict(corp_rep, model, folds=folds, approach="earliest", scheme="path", missing="mean",
                                 tol=1e-12, progress=False)
        losses = construct_losses(prediction.actual.to_numpy(), prediction.pls.to_numpy(), model).mean()
        for construct, name in (("CUSA", "CUSA"), ("CUSL", "CUSL"), ("overall", "Overall")):
            assert losses[construct] == pytest.approx(published.loc[name, column], abs=1e-6), (column, construct)


def test_lm_benchmark_equals_scikit_learn_on_the_same_folds():
    data = cl.datasets.load_ecsi()
    labels = np.random.default_rng(7).integers(0, 5, len(data))
    prediction = pls_predict(data, ecsi_model(), folds=labels, progress=False)
    exogenous = ecsi_model().blocks["Image"]
    expected = cross_val_predict(LinearRegression(), data[exogenous], data[prediction.lm.columns],
                                 cv=PredefinedSplit(labels))
    assert np.allclose(prediction.lm, expected)


def test_single_indicator_constructs_make_pls_predict_a_regression():
    data = cl.datasets.load_ecsi()
    model = PathModel(blocks={"Q": ["PERQ1"], "S": ["CUSA1"]}, paths=[("Q", "S")])
    prediction = pls_predict(data, model, folds=5, repeats=2, progress=False)
    assert np.allclose(prediction.pls, prediction.lm)


def test_ecsi_indicators_are_predicted_better_than_by_their_means():
    data = cl.datasets.load_ecsi()
    first = pls_predict(data, ecsi_model(), folds=10, repeats=3, seed=1, progress=False)
    again = pls_predict(data, ecsi_model(), folds=10, repeats=3, seed=1, progress=False)
    assert first.pls.equals(again.pls)
    metrics = first.summary()
    assert list(metrics.index) == [i for c in ecsi_model().endogenous() for i in ecsi_model().blocks[c]]
    assert (metrics.loc[["CUSA1", "CUSA2", "CUSL1", "PERQ1"], "q2_predict"] > 0).all()
    assert ((metrics["pls_mae"] > 0) & (metrics["pls_mae"] <= metrics["pls_rmse"])).all()
    direct = pls_predict(data, ecsi_model(), folds=10, repeats=3, seed=1, approach="direct", progress=False)
    assert not np.allclose(direct.pls, first.pls)  # direct antecedents use the other endogenous scores
    assert "PLSpredict" in str(first)


def test_cvpat_finds_the_model_better_than_indicator_means(corp_rep):
    result = cvpat(corp_rep, MODEL_ONE, folds=5, repeats=2, n_bootstrap=200, scheme="path", missing="mean",
                   progress=False)
    table = result.summary()
    ia = table.loc[("model vs IA", "overall")]
    assert ia["difference"] < 0 and ia["p_value"] < 0.001 and ia["bootstrap_p"] < 0.001
    assert set(table.index.get_level_values(0)) == {"model vs LM", "model vs IA"}
    alternative = cvpat(corp_rep, MODEL_ONE, MODEL_TWO, folds=5, repeats=2, n_bootstrap=100, scheme="path",
                        missing="mean", progress=False).summary()
    # model two adds COMP, LIKE -> CUSL and predicts CUSL better (as in seminrExtras' fixture)
    assert alternative.loc[("model vs alternative", "CUSL"), "difference"] > 0


@pytest.mark.parametrize(("model", "settings", "message"), [
    (ecsi_model(), {"consistent": True}, "composite"),
    (PathModel(blocks=BLOCKS, paths=MODEL_ONE.paths + [("COMP*LIKE", "CUSL")], interactions=[("COMP", "LIKE")]), {},
     "interactions"),
])
def test_prediction_refuses_models_without_a_published_method(corp_rep, model, settings, message):
    data = cl.datasets.load_ecsi() if "Image" in model.blocks else corp_rep
    with pytest.raises(DataError, match=message):
        pls_predict(data, model, folds=3, repeats=1, missing="mean", progress=False, **settings)


def test_cvpat_needs_the_same_endogenous_indicators(corp_rep):
    other = PathModel(blocks={**BLOCKS, "CUSL": ["cusl_1", "cusl_2"]}, paths=MODEL_ONE.paths)
    with pytest.raises(DataError, match="same endogenous"):
        cvpat(corp_rep, MODEL_ONE, other, folds=3, repeats=1, missing="mean", progress=False)
    with pytest.raises(ValueError, match="folds"):
        pls_predict(corp_rep, MODEL_ONE, folds=1, missing="mean", progress=False)
