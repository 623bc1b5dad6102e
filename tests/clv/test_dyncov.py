"""Pareto/NBD with time-varying covariates: CLVTools' B_i/D_i terms, reduction to the static and plain models,
the analytic gradient, a fit, and bad input.

Reference: CLVTools v0.12.1 (bachmannpatrick/CLVTools@1b06356) ``tests/testthat/dyncov_LL_reference.xlsx``, copied
to ``tests/reference/clvtools/``: its sheets "Bi()" and "Di()" compute, for one customer (x = 4, t_x = 35.11,
d_1 = d_omega = 0.854), the intercepts of the cumulative covariate-weighted time on each covariate period:
B_i of the purchase process counted from the last purchase, D_i of the dropout process from the first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import crmlab as cl
from crmlab.clv.dyncov import ParetoNBDDynamic, covariate_paths, cumulative_at_starts
from crmlab.errors import ColumnTypeError, DataError

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "clvtools" / "dyncov_LL_reference.xlsx"
T_X, D1 = 35.11, 0.854


def intercepts(rates, first_length, origin=0.0):
    """Cumulative ∫ rate from ``origin`` minus rate × time, on each period (first of length ``first_length``)."""
    rates = np.asarray(rates, dtype="float64")
    lengths = np.r_[first_length, np.ones(len(rates) - 1)]
    starts = origin + np.r_[0.0, np.cumsum(lengths)[:-1]]
    return cumulative_at_starts(rates, lengths, np.array([0, len(rates)])) - rates * starts


@pytest.fixture(scope="module")
def sheets():
    book = openpyxl.load_workbook(REFERENCE, data_only=True)
    return book["Bi()"], book["Di()"]


def test_purchase_intercepts_are_clvtools_b_i(sheets):
    bi, _ = sheets
    walk = [bi[f"{col}8"].value for col in "BCDEFG"]
    expected = [bi[f"C{row}"].value for row in range(11, 17)]
    # the walk starts at the last purchase t_x: cumulative time counted from there, periods d_1, 1, 1, ...
    np.testing.assert_allclose(intercepts(walk, D1, origin=T_X), expected, rtol=1e-12)


def test_dropout_intercepts_are_clvtools_d_i(sheets):
    _, di = sheets
    aux = [di[f"{col}31"].value for col in "DEFG"]  # no real walk: the first period holds time 0
    np.testing.assert_allclose(intercepts(aux, D1)[:4], [di[f"D{row}"].value for row in range(34, 38)], rtol=1e-12)
    real, aux = [di["B92"].value, di["C92"].value], [di[f"{col}92"].value for col in "EFGH"]
    # two periods from coming alive (d_omega, 1) before the aux walk: D_i of the aux periods
    values = intercepts(real + aux, D1)[2:]
    np.testing.assert_allclose(values, [di[f"D{row}"].value for row in range(95, 99)], rtol=1e-12)


@pytest.fixture(scope="module")
def apparel_log():
    return cl.datasets.load_apparel()


def per_customer(model, paths, theta):
    model._check_settings()
    model._paths = paths
    n = len(paths.x)
    prepared = model._data({"customer": np.arange(n, dtype="float64")}, np.ones(n))
    return model._log_likelihood(theta, prepared.blocks[0][0])


def test_reduces_to_plain_and_static_models(apparel_log):
    tx, static, dynamic = apparel_log
    summary = cl.customer_summary(tx, observation_end="2006-12-31", time_unit="W").join(static)
    columns = {c: summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T", "Gender", "Channel")}
    base = np.log([0.8, 30.0, 0.6, 40.0])
    both = ["Gender", "Channel"]
    # zero coefficients: the plain Pareto/NBD, customer by customer, gradient included
    model = ParetoNBDDynamic(purchase_covariates=["High.Season", *both], dropout_covariates=["High.Season"])
    paths = covariate_paths(tx, dynamic, model.covariate_design().columns, observation_end="2006-12-31")
    assert list(paths.customers) == list(summary.index)
    ll, gradient = per_customer(model, paths, np.r_[base, np.zeros(4)])
    plain_ll, plain_gradient = cl.clv.ParetoNBD()._log_likelihood(base, columns)
    np.testing.assert_allclose(ll, plain_ll, rtol=1e-12)
    np.testing.assert_allclose(gradient[:, :4], plain_gradient, rtol=1e-9, atol=1e-12)
    # covariates constant over time: the static-covariate model
    constant = dynamic.drop(columns=both).merge(static, left_on="customer_id", right_index=True)
    model = ParetoNBDDynamic(purchase_covariates=both, dropout_covariates=both)
    paths = covariate_paths(tx, constant, tuple(both), observation_end="2006-12-31")
    theta = np.r_[base, 0.3, 0.5, -0.4, 0.6]
    ll, gradient = per_customer(model, paths, theta)
    static_model = cl.clv.ParetoNBD(purchase_covariates=both, dropout_covariates=both)
    static_ll, static_gradient = static_model._log_likelihood(theta, dict(columns))
    np.testing.assert_allclose(ll, static_ll, rtol=1e-11)
    np.testing.assert_allclose(gradient, static_gradient, rtol=1e-8, atol=1e-10)


def test_analytic_gradient_and_a_fit(apparel_log, tmp_path):
    tx, _, dynamic = apparel_log
    some = tx["customer_id"].isin(tx["customer_id"].unique()[:250])
    model = ParetoNBDDynamic(purchase_covariates=["High.Season", "Channel"], dropout_covariates=["Channel"],
                             covariate_penalty={"purchase": 0.01})
    model._check_settings()
    model._paths = covariate_paths(tx[some], dynamic, model.covariate_design().columns, observation_end="2006-12-31")
    n = len(model._paths.x)
    objective = model._objective(model._data({"customer": np.arange(n, dtype="float64")}, np.ones(n)))
    theta = np.r_[np.log([0.8, 30.0, 0.6, 40.0]), 0.4, 0.3, -0.2]
    gradient = objective(theta)[1]
    # step 1e-4: smaller steps meet the rounding of the integral (series and quadrature rows trade places)
    numeric = [(objective(theta + h)[0] - objective(theta - h)[0]) / 2e-4 for h in 1e-4 * np.eye(len(theta))]
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-8)
    fitted = ParetoNBDDynamic(purchase_covariates=["High.Season"]).fit(tx[some], dynamic, observation_end="2006-12-31")
    plain = cl.clv.ParetoNBD().fit(cl.customer_summary(tx[some], observation_end="2006-12-31", time_unit="W"))
    assert fitted.log_likelihood_ > plain.log_likelihood_  # the seasonal effect is real in these data
    assert fitted.summary().loc["purchase:High.Season", "p_value"] < 0.05
    fitted.to_json(tmp_path / "dynamic.json")
    loaded = cl.clv.load_model(tmp_path / "dynamic.json")
    pd.testing.assert_frame_equal(loaded.summary(), fitted.summary())


def test_bad_covariate_paths_are_refused(apparel_log):
    tx, _, dynamic = apparel_log
    model = ParetoNBDDynamic(purchase_covariates=["High.Season"])
    with pytest.raises(DataError, match="lack covariates"):
        model.fit(tx, dynamic[dynamic["date"] > "2005-03-01"], observation_end="2006-12-31")
    with pytest.raises(DataError, match="regular grid"):
        model.fit(tx, dynamic.drop(index=dynamic.index[5]), observation_end="2006-12-31")
    with pytest.raises(ColumnTypeError, match="High.Season"):
        model.fit(tx, dynamic.assign(**{"High.Season": dynamic["High.Season"].map({0.0: "no", 1.0: "yes"})}),
                  observation_end="2006-12-31")
    with pytest.raises(ValueError, match="needs purchase_covariates"):
        ParetoNBDDynamic().fit(tx, dynamic, observation_end="2006-12-31")
