"""CVPAT: the cross-validated predictive ability test (Liengaard, Sharma, Hult, Jensen, Sarstedt, Hair &
Ringle 2021, *Decision Sciences* 52(2); Sharma, Liengaard, Hair, Sarstedt & Ringle 2023, *European
Journal of Marketing* 57(6)).

Does a model predict its endogenous indicators better than a benchmark or an alternative model? From
PLSpredict's cross-validated predictions (:mod:`.predict`), each respondent i has a loss per
endogenous construct — the mean squared prediction error of its indicators — and an overall loss, the
mean over the constructs (seminrExtras' weighting). With D_i = L_i(model) − L_i(other):

* the paired t statistic t = D̄ / (s_D / √n) with n − 1 degrees of freedom (Liengaard et al. 2021);
* the bootstrap variant of Sharma et al. (2023): the standard error of D̄ from resampling the
  respondents' D_i, t = D̄ / se_boot, p from t(n − 1).

Negative D̄ (and t) means the model's losses are smaller: it predicts better. Benchmarks when no
alternative is given: LM (regression on the exogenous indicators) and IA (the training mean). An
alternative model must have the same endogenous constructs and indicators. Checked against
seminrExtras' fixture (tests/fixtures/cvpat1.csv): the PLS losses of both models agree to 1e-6 on the
same folds; LM losses are not compared (seminr regresses on every other indicator).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError
from .plspm import PLSSettings, prepare_data
from .predict import _check_predictable, _labels, _target_columns, cross_validated_predictions
from .results import TableResult
from .specification import PathModel
from .threads import one_blas_thread

__all__ = ["cvpat", "CVPATResult", "construct_losses"]


@dataclass(frozen=True, repr=False)
class CVPATResult(TableResult):
    """Average losses per endogenous construct and overall, their differences and the tests, per comparison."""

    table: pd.DataFrame
    losses: dict
    folds: int
    repeats: int
    n_bootstrap: int

    def summary(self) -> pd.DataFrame:
        return self.table

    def _title(self) -> str:
        return (f"CVPAT, {self.folds} folds x {self.repeats} repetitions, {self.n_bootstrap} bootstrap resamples; "
                "negative difference = the model predicts better")


def construct_losses(actual: np.ndarray, predicted: np.ndarray, model: PathModel) -> pd.DataFrame:
    """Per respondent: the mean squared error of each endogenous construct's indicators, and the overall loss
    (mean over the constructs)."""
    targets, _ = _target_columns(model)
    names = [model.indicators[t] for t in targets]
    squared = pd.DataFrame((actual - predicted) ** 2, columns=names)
    losses = pd.DataFrame({c: squared[model.blocks[c]].mean(axis=1) for c in model.endogenous()})
    return losses.assign(overall=losses.mean(axis=1))


def _test(difference: np.ndarray, rng: np.random.Generator, n_bootstrap: int) -> dict:
    n = len(difference)
    mean, sd = difference.mean(), difference.std(ddof=1)
    t = mean / (sd / np.sqrt(n)) if sd > 0 else np.nan
    boot = np.array([difference[rng.integers(0, n, n)].mean() for _ in range(n_bootstrap)]) if n_bootstrap else []
    se_boot = np.std(boot, ddof=1) if n_bootstrap else np.nan
    t_boot = mean / se_boot if n_bootstrap and se_boot > 0 else np.nan
    return {"t_value": t, "p_value": 2 * stats.t.sf(abs(t), n - 1),
            "bootstrap_t": t_boot, "bootstrap_p": 2 * stats.t.sf(abs(t_boot), n - 1)}


@one_blas_thread
def cvpat(data: pd.DataFrame, model: PathModel, alternative: PathModel | None = None, *,
          folds: int | np.ndarray = 10, repeats: int = 10, approach: str = "earliest", n_bootstrap: int = 2000,
          seed: int | None = 0, progress: bool = True, missing: str = "raise", **settings) -> CVPATResult:
    """Test a model's out-of-sample predictive ability against LM and IA benchmarks, or against an alternative.

    Both models are cross-validated on the same folds. ``folds``, ``repeats``, ``approach`` and
    ``**settings`` as :func:`~crmlab.satisfaction.pls_predict`.
    """
    options = PLSSettings(**settings)
    _check_predictable(model, options)
    if alternative is not None:
        _check_predictable(alternative, options)
        if set(model.endogenous()) != set(alternative.endogenous()) or any(
                model.blocks[c] != alternative.blocks[c] for c in model.endogenous()):
            raise DataError("CVPAT compares models with the same endogenous constructs and indicators; "
                            f"{model.endogenous()} vs {alternative.endogenous()}")
    columns = list(dict.fromkeys([*model.indicators, *(alternative.indicators if alternative else [])]))
    frame, _ = prepare_data(data, PathModel(blocks={"all": columns}, paths=[]), missing)
    labels = _labels(len(frame), folds, repeats, seed)
    rng = np.random.default_rng(seed)

    def run(which: PathModel):
        raw = frame[which.indicators].to_numpy()
        targets, _ = _target_columns(which)
        return raw[:, targets], cross_validated_predictions(raw, which, options, labels, approach, progress)

    actual, (pls, lm, mean) = run(model)
    losses = {"model": construct_losses(actual, pls, model)}
    if alternative is None:
        losses["LM"] = construct_losses(actual, lm, model)
        losses["IA"] = construct_losses(actual, mean, model)
    else:
        other_actual, (other, _, _) = run(alternative)
        losses["alternative"] = construct_losses(other_actual, other, alternative)
    rows = []
    for name, other_losses in losses.items():
        if name == "model":
            continue
        for column in losses["model"].columns:
            difference = (losses["model"][column] - other_losses[column]).to_numpy()
            rows.append({"comparison": f"model vs {name}", "construct": column,
                         "model_loss": losses["model"][column].mean(), "other_loss": other_losses[column].mean(),
                         "difference": difference.mean(), **_test(difference, rng, n_bootstrap)})
    return CVPATResult(table=pd.DataFrame(rows).set_index(["comparison", "construct"]), losses=losses,
                       folds=len(np.unique(labels[0])), repeats=len(labels), n_bootstrap=n_bootstrap)
