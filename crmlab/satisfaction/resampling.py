"""Shared machinery of the resampling methods (:mod:`.bootstrap`, :mod:`.mga`, :mod:`.micom`): splitting
respondents by a group column and refitting a model on resampled or permuted respondents, straight
from arrays (no DataFrame is built per resample)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..errors import DataError, MissingColumnError
from .plspm import PLSSettings, fit_arrays, prepare_data
from .specification import PathModel

__all__ = ["split_groups", "refit", "draw", "fit_once"]


def split_groups(data: pd.DataFrame, model: PathModel, group: str, groups, missing: str, settings: PLSSettings
                 ) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Indicator array of the respondents of two groups, the boolean mask of the first group and the two labels.

    ``groups`` names the two groups to compare (needed when the column has more than two values)."""
    if not isinstance(data, pd.DataFrame) or group not in data.columns:
        raise MissingColumnError(f"group column {group!r} is not a column of the data")
    labels = data[group]
    if labels.isna().any():
        raise DataError(f"{int(labels.isna().sum())} respondents have no {group!r}; drop them or give them a group")
    present = list(pd.unique(labels))
    chosen = tuple(groups) if groups is not None else tuple(present)
    if len(chosen) != 2 or not set(chosen) <= set(present):
        raise DataError(f"multi-group analysis compares two groups; {group!r} has {present}. Pass groups=(a, b) "
                        "with two of them")
    subset = data[labels.isin(chosen)]
    frame, _ = prepare_data(subset, model, missing)
    first = (subset.loc[frame.index, group] == chosen[0]).to_numpy()
    raw = frame.to_numpy()
    for mask in (first, ~first):
        prepare_data(frame[mask], model)  # each group alone must be estimable (rows, constant indicators)
    return raw, first, chosen


def refit(raw: np.ndarray, model: PathModel, settings: PLSSettings) -> dict | None:
    """One fit of a resample, or None when it cannot be used (constant indicator, collinear causes, no
    convergence). Inadmissible PLSc solutions are kept (and listed in the fit's ``inadmissible``), as seminr does."""
    if not (raw.std(axis=0) > 0).all():
        return None
    try:
        fit = fit_arrays(raw, model, settings)
    except DataError:  # perfectly collinear causes in this resample
        return None
    return fit if fit["converged"] else None


def draw(make: Callable[[], dict | None], max_redraws: int, counter: list[int], what: str) -> dict:
    """Call ``make`` until it returns a usable fit, counting the redraws in ``counter[0]``."""
    while True:
        fit = make()
        if fit is not None:
            return fit
        counter[0] += 1
        if counter[0] > max_redraws:
            raise DataError(f"more than {max_redraws} {what} could not be fitted (a constant indicator within a group, "
                            "or no convergence); the groups are too small or too uniform for this test")


def fit_once(raw: np.ndarray, model: PathModel, settings: PLSSettings, what: str) -> dict:
    """The fit of one group (or the pooled data) that a multi-group method starts from; a crmlab error when
    it cannot be estimated."""
    fit = refit(raw, model, settings)
    if fit is None:
        raise DataError(f"the model cannot be fitted to {what} (an indicator is constant there, two causes are "
                        "collinear, or the weights do not converge); check that group's answers or merge groups")
    return fit
