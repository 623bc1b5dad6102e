"""PLSpredict: out-of-sample prediction of the endogenous constructs' indicators (Shmueli, Ray, Velasquez
Estrada & Chatla 2016; Shmueli et al. 2019, *European Journal of Marketing* 53(11)).

Respondents are split into k folds (``repeats`` times, each with a fresh random split). For each fold
the model is fitted on the other folds and the held-out respondents are predicted:

1. their indicators are standardised with the training means and standard deviations and scored with
   the training weights;
2. the endogenous construct scores are predicted from the path coefficients, either from the
   exogenous constructs through the whole model (``approach="earliest"``: earliest antecedents, the
   original PLSpredict and SmartPLS) or from each construct's own causes' scores
   (``approach="direct"``: direct antecedents, seminr's default);
3. each endogenous indicator is predicted as loading × predicted score, back on its original scale.

Benchmarks: LM, a least-squares regression of each endogenous indicator on all indicators of the
exogenous constructs (Shmueli et al. 2019; seminr instead uses every other indicator of the model),
and the training mean of the indicator (indicator average, IA). Predictions of the ``repeats`` runs
are averaged per respondent, then per indicator RMSE and MAE are reported for PLS and LM, and
Q²predict = 1 − Σ(y − ŷ_PLS)² / Σ(y − ȳ_train)² (> 0: PLS beats the training mean).

Linear first-order models with composites only (no PLSc, higher-order constructs or interactions:
there is no published PLSpredict for them, as seminr also says). Checked against seminrExtras'
CVPAT fixture, which uses these predictions (corporate reputation, 3 folds, R's random split
reproduced): the PLS losses agree to 1e-6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .plspm import PLSSettings, fit_arrays, prepare_data
from .results import TableResult
from .specification import PathModel
from .threads import one_blas_thread

__all__ = ["pls_predict", "PredictResult", "fold_labels"]


@dataclass(frozen=True, repr=False)
class PredictResult(TableResult):
    """Out-of-sample predictions (PLS, LM benchmark, training mean) of every endogenous indicator."""

    actual: pd.DataFrame
    pls: pd.DataFrame
    lm: pd.DataFrame
    mean: pd.DataFrame
    model: PathModel
    folds: int
    repeats: int
    approach: str

    def metrics(self) -> pd.DataFrame:
        """Per indicator: RMSE and MAE of PLS and LM, Q²predict, and whether PLS beats LM on RMSE."""
        errors = {name: self.actual - frame for name, frame in (("pls", self.pls), ("lm", self.lm),
                                                                ("mean", self.mean))}
        table = pd.DataFrame({
            "pls_rmse": np.sqrt((errors["pls"] ** 2).mean()), "pls_mae": errors["pls"].abs().mean(),
            "lm_rmse": np.sqrt((errors["lm"] ** 2).mean()), "lm_mae": errors["lm"].abs().mean(),
            "q2_predict": 1 - (errors["pls"] ** 2).sum() / (errors["mean"] ** 2).sum()})
        table["pls_beats_lm"] = table["pls_rmse"] < table["lm_rmse"]
        return table

    def summary(self) -> pd.DataFrame:
        return self.metrics()

    def _title(self) -> str:
        return (f"PLSpredict ({self.approach} antecedents), {self.folds} folds x {self.repeats} repetitions, "
                f"{len(self.actual)} respondents")


def fold_labels(n: int, folds: int, rng: np.random.Generator) -> np.ndarray:
    """A random assignment of n respondents to ``folds`` folds of (nearly) equal size."""
    labels = np.empty(n, dtype=int)
    for k, members in enumerate(np.array_split(rng.permutation(n), folds)):
        labels[members] = k
    return labels


def _check_predictable(model: PathModel, settings: PLSSettings) -> None:
    if not model.is_first_order or settings.consistent:
        raise DataError("PLSpredict is defined for first-order composite models; fit it without higher-order "
                        "constructs, interactions and consistent=")
    if not model.endogenous():
        raise DataError("the model has no endogenous construct to predict")


def predict_fold(train: np.ndarray, test: np.ndarray, model: PathModel, settings: PLSSettings, approach: str
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """PLS, LM and training-mean predictions of the endogenous indicators for the ``test`` rows, or None when the
    training data cannot be fitted (a constant indicator, no convergence)."""
    if not (train.std(axis=0) > 0).all():
        return None
    fit = fit_arrays(train, model, settings)
    if not fit["converged"]:
        return None
    mean, spread = train.mean(axis=0), train.std(axis=0)
    scores = ((test - mean) / spread) @ fit["standard_weights"]
    B = fit["path_coefficients"]
    endogenous = [model.constructs.index(c) for c in model.endogenous()]
    if approach == "direct":
        predicted = scores @ B
    else:
        predicted = scores.copy()
        predicted[:, endogenous] = 0.0
        for j in [model.constructs.index(c) for c in model.causal_order() if c in model.endogenous()]:
            predicted[:, j] = predicted @ B[:, j]
    targets, exogenous = _target_columns(model)
    own = fit["membership"].astype(bool)
    standard = predicted @ (fit["loadings"] * own).T
    pls = mean[targets] + spread[targets] * standard[:, targets]
    design = np.column_stack([np.ones(len(train)), train[:, exogenous]])
    beta = np.linalg.lstsq(design, train[:, targets], rcond=None)[0]
    lm = np.column_stack([np.ones(len(test)), test[:, exogenous]]) @ beta
    return pls, lm, np.broadcast_to(mean[targets], pls.shape)


def _target_columns(model: PathModel) -> tuple[list[int], list[int]]:
    """Column positions of the endogenous constructs' indicators and of the exogenous constructs' indicators."""
    position = {name: k for k, name in enumerate(model.indicators)}
    endogenous = set(model.endogenous())
    targets = [position[i] for c, block in model.blocks.items() if c in endogenous for i in block]
    exogenous = [position[i] for c, block in model.blocks.items() if c not in endogenous for i in block]
    return targets, exogenous


def cross_validated_predictions(raw: np.ndarray, model: PathModel, settings: PLSSettings, labels: list[np.ndarray],
                                approach: str, progress: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PLS, LM and mean predictions averaged over the repetitions, one row per respondent."""
    from tqdm.auto import tqdm

    targets, _ = _target_columns(model)
    totals = [np.zeros((len(raw), len(targets))) for _ in range(3)]
    steps = [(r, k) for r, fold in enumerate(labels) for k in np.unique(fold)]
    for r, k in tqdm(steps, desc="PLSpredict", unit="fold", disable=not progress):
        held_out = labels[r] == k
        predictions = predict_fold(raw[~held_out], raw[held_out], model, settings, approach)
        if predictions is None:
            raise DataError(f"fold {k + 1} of repetition {r + 1}: the training data cannot be fitted (an indicator "
                            "is constant without this fold, or the weights do not converge); use fewer folds")
        for total, values in zip(totals, predictions, strict=True):
            total[held_out] += values
    return tuple(total / len(labels) for total in totals)


@one_blas_thread
def pls_predict(data: pd.DataFrame, model: PathModel, *, folds: int | np.ndarray = 10, repeats: int = 10,
                approach: str = "earliest", seed: int | None = 0, progress: bool = True, missing: str = "raise",
                **settings) -> PredictResult:
    """PLSpredict with k-fold cross-validation, repeated, against the LM benchmark.

    Parameters
    ----------
    data, model : as :func:`~crmlab.satisfaction.plspm`
    folds : int or array
        Number of folds, or a fold label per respondent (then the split is used as given, once).
    repeats : int
        Repetitions of the random k-fold split; predictions are averaged over them.
    approach : {"earliest", "direct"}
        Predict endogenous constructs from the exogenous constructs through the model (earliest
        antecedents) or from their direct causes' scores.
    seed : int, optional
        Seed of the fold assignment.
    **settings
        Estimation settings of :func:`~crmlab.satisfaction.plspm` (scheme, tol, ...).
    """
    if approach not in ("earliest", "direct"):
        raise ValueError(f"approach must be 'earliest' or 'direct', got {approach!r}")
    options = PLSSettings(**settings)
    _check_predictable(model, options)
    frame, _ = prepare_data(data, model, missing)
    labels = _labels(len(frame), folds, repeats, seed)
    pls, lm, mean = cross_validated_predictions(frame.to_numpy(), model, options, labels, approach, progress)
    targets, _ = _target_columns(model)
    names = [model.indicators[t] for t in targets]
    as_frame = lambda values: pd.DataFrame(values, index=frame.index, columns=names)  # noqa: E731
    return PredictResult(actual=frame[names], pls=as_frame(pls), lm=as_frame(lm), mean=as_frame(mean), model=model,
                         folds=len(np.unique(labels[0])), repeats=len(labels), approach=approach)


def _labels(n: int, folds, repeats: int, seed) -> list[np.ndarray]:
    if isinstance(folds, int | np.integer):
        if not 2 <= folds <= n:
            raise ValueError(f"folds must be between 2 and the number of respondents ({n}), got {folds}")
        if repeats < 1:
            raise ValueError(f"repeats must be at least 1, got {repeats}")
        rng = np.random.default_rng(seed)
        return [fold_labels(n, int(folds), rng) for _ in range(repeats)]
    labels = np.asarray(folds)
    if labels.shape != (n,) or len(np.unique(labels)) < 2:
        raise ValueError(f"folds must be a number or one fold label per respondent ({n}) with two or more folds")
    return [np.unique(labels, return_inverse=True)[1]]
