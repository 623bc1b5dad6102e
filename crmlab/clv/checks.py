"""Posterior-predictive style checks of a fitted customer-base model: simulated histories against observed ones.

A model that fits should be able to produce the data it was fitted on. :func:`predictive_check` simulates
the customers' calibration histories from the fitted model — each simulated customer observed for as
long as a real one (the same T, or the same number of opportunities) — with the seeded simulators of
:mod:`crmlab.simulation`, and compares two distributions with the observed ones:

* repeat purchases: how many customers made 0, 1, 2, … repeat purchases (the histogram of
  Fader, Hardie & Lee 2005, figure 1);
* timing: among repeat buyers, when the last purchase fell in the observation period, recency/T in
  ten equal bins (for BG/BB, recency/opportunities).

Each comparison is a table of observed counts, the mean simulated counts (the expected counts under the
fitted model) and the 5 %–95 % range over the simulations, with Pearson's chi-square statistic
Σ (O − E)²/E over the bins, after merging neighbouring bins until every expected count is at least 5,
on bins − 1 − (number of parameters) degrees of freedom, as for the repeat-purchase histogram in the
papers. The model was fitted on the customers' full histories, not on these bins, so the p-value is a
guide, not an exact test; with millions of customers any misfit is "significant", and the table shows
where it lies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .. import display, simulation
from ..errors import DataError
from ..i18n import term

__all__ = ["PredictiveCheck", "predictive_check"]

_MIN_EXPECTED = 5.0
_SIMULATORS = {"BetaGeo": simulation.simulate_bgnbd, "ModifiedBetaGeo": simulation.simulate_mbgnbd,
               "ParetoNBD": simulation.simulate_paretonbd}


@dataclass(frozen=True)
class PredictiveCheck:
    """Result of :func:`predictive_check`.

    ``frequency`` and ``timing``: per bin, ``observed`` customers, ``expected`` (mean over the
    simulations), ``low`` and ``high`` (5 % and 95 % of the simulated counts). ``statistics``: per
    comparison, ``chi_square``, ``df``, ``p_value`` and the ``bins`` left after merging small ones.
    """

    model: str
    frequency: pd.DataFrame
    timing: pd.DataFrame
    statistics: pd.DataFrame
    n_simulations: int

    def summary(self, lang: str = "en") -> display.FormattedTable:
        """``statistics`` to read, labels in ``lang``."""
        return display.table(self.statistics, lang, decimals=4,
                             caption=f"{term('Predictive check', lang)}: {self.model}")

    def __str__(self) -> str:
        return repr(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def predictive_check(model, data: pd.DataFrame, *, weights=None, n_simulations: int = 20, max_frequency: int = 7,
                     timing_bins: int = 10, seed=None) -> PredictiveCheck:
    """Simulate the customers' histories from the fitted ``model`` and compare them with the observed ``data``.

    Parameters
    ----------
    model
        A fitted BetaGeo, ModifiedBetaGeo, ParetoNBD or BetaGeoBetaBinom model.
    data : DataFrame
        The customers it was fitted on (frequency, recency and T, or periods for BG/BB).
    weights : str or array, optional
        Customers per row, as in ``fit`` (BG/BB patterns); whole numbers.
    n_simulations : int
        Simulated copies of the customer base (at least 2).
    max_frequency : int
        Repeat purchases from this number on share the last bin ("7+").
    timing_bins : int
        Equal bins of recency/T for the timing of the last purchase.
    seed : int or numpy Generator, optional
        Seeds the simulations.
    """
    model._require_fit()
    name = type(model).__name__
    if name not in (*_SIMULATORS, "BetaGeoBetaBinom"):
        raise TypeError("predictive_check simulates BetaGeo, ModifiedBetaGeo, ParetoNBD and BetaGeoBetaBinom models, "
                        f"not {name}")
    for label, value, least in (("n_simulations", n_simulations, 2), ("max_frequency", max_frequency, 1),
                                ("timing_bins", timing_bins, 2)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            raise ValueError(f"{label} must be a whole number >= {least}, got {value!r}")
    history, _ = model._history(data)
    counts = model._weights(data, weights)
    if np.any(counts != np.round(counts)):
        raise DataError("predictive_check simulates customers: the weights must be whole numbers of customers")
    length = history["periods" if name == "BetaGeoBetaBinom" else "T"]
    observed = _histograms(history["frequency"], history["recency"], length, counts, max_frequency, timing_bins)
    rng = np.random.default_rng(seed)
    lengths = np.repeat(length, counts.astype("int64"))
    simulated = []
    for _ in range(n_simulations):
        sample = _simulate(model, name, lengths, int(rng.integers(2**63 - 1)))
        length_sim = sample["periods" if name == "BetaGeoBetaBinom" else "T"].to_numpy(dtype="float64")
        simulated.append(_histograms(sample["frequency"].to_numpy(dtype="float64"),
                                     sample["recency"].to_numpy(dtype="float64"), length_sim,
                                     np.ones(len(sample)), max_frequency, timing_bins))
    n_params = len(model.params_)
    tables, rows = [], {}
    for part, labels, key in ((0, [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"],
                               "repeat purchases"),
                              (1, [f"{k / timing_bins:.2g}–{(k + 1) / timing_bins:.2g}" for k in range(timing_bins)],
                               "timing of the last purchase")):
        draws = np.array([s[part] for s in simulated])
        table = pd.DataFrame({"observed": observed[part], "expected": draws.mean(axis=0),
                              "low": np.quantile(draws, 0.05, axis=0), "high": np.quantile(draws, 0.95, axis=0)},
                             index=pd.Index(labels, name=key))
        tables.append(table)
        rows[key] = _chi_square(table["observed"].to_numpy(), table["expected"].to_numpy(), n_params)
    statistics = pd.DataFrame(rows).T[["chi_square", "df", "p_value", "bins"]]
    return PredictiveCheck(model.model_name, tables[0], tables[1], statistics, n_simulations)


def _histograms(frequency, recency, length, counts, max_frequency: int, timing_bins: int):
    """Customers by repeat purchases (the last bin open), and repeat buyers by recency/length in equal bins."""
    by_frequency = np.bincount(np.minimum(frequency, max_frequency).astype("int64"), weights=counts,
                               minlength=max_frequency + 1)
    buyers = frequency > 0
    share = np.divide(recency[buyers], length[buyers], out=np.zeros(int(buyers.sum())), where=length[buyers] > 0)
    bins = np.minimum((share * timing_bins).astype("int64"), timing_bins - 1)
    return by_frequency, np.bincount(bins, weights=counts[buyers], minlength=timing_bins)


def _simulate(model, name: str, lengths: np.ndarray, seed: int) -> pd.DataFrame:
    params = dict(model.params_)
    if name != "BetaGeoBetaBinom":
        return _SIMULATORS[name](len(lengths), lengths, seed=seed, **params)
    rng = np.random.default_rng(seed)
    parts = [simulation.simulate_bgbb(int(np.sum(lengths == periods)), int(periods), seed=rng.integers(2**63 - 1),
                                      **params) for periods in np.unique(lengths)]
    return pd.concat(parts, ignore_index=True)


def _chi_square(observed: np.ndarray, expected: np.ndarray, n_params: int) -> dict:
    """Pearson's chi-square after merging neighbouring bins until each expects at least 5 customers."""
    merged_o, merged_e, o, e = [], [], 0.0, 0.0
    for obs, exp in zip(observed, expected, strict=True):
        o, e = o + obs, e + exp
        if e >= _MIN_EXPECTED:
            merged_o.append(o)
            merged_e.append(e)
            o, e = 0.0, 0.0
    if (o or e) and merged_e:  # a small remainder joins the last bin
        merged_o[-1] += o
        merged_e[-1] += e
    observed, expected = np.array(merged_o), np.array(merged_e)
    if len(expected) < 2:
        return {"chi_square": np.nan, "df": 0, "p_value": np.nan, "bins": len(expected)}
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    df = max(len(expected) - 1 - n_params, 1)
    return {"chi_square": statistic, "df": df, "p_value": float(stats.chi2.sf(statistic, df)), "bins": len(expected)}
