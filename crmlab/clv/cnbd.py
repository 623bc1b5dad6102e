"""BG/CNBD-k and MBG/CNBD-k: BG/NBD and MBG/NBD with Erlang-k inter-purchase times (Platzer & Reutterer).

Reutterer, T., Platzer, M., Schröder, N. (2021), "Leveraging purchase regularity for predicting
customer behavior the easy way", *International Journal of Research in Marketing* 38(1), 194-215;
Platzer, M., Reutterer, T. (2016), "Ticking away the moments: timing regularity helps to better
predict customer activity", *Marketing Science* 35(5), 779-799. The likelihood and P(alive) are those
of the authors' R package BTYDplus (``xbgcnbd.LL``, ``xbgcnbd.PAlive`` in ``R/mbg-cnbd-k.R``).

Assumptions: while alive, a customer's times between purchases are Erlang-k with rate λ (k
exponential phases of rate λ each, so purchases are every k-th event of a Poisson process of rate
λ); λ ~ Gamma(r, α) across customers. Right after each repeat purchase (BG/CNBD-k), or after every
purchase including the first (MBG/CNBD-k), the customer drops out with probability p ~ Beta(a, b).
k = 1 is BG/NBD (MBG/NBD); a larger k means more regular purchasing, so that a long silence is
stronger evidence of dropout. k is a whole number chosen by likelihood (:class:`BetaGeoCNBD`).
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import special

from ..errors import ConvergenceError, DataError, MissingColumnError, PredictionError
from ._purchase import PurchaseModel
from ._special import digamma_difference, erlang_beta_series, log_gamma_ratio, phase_tail
from .base import numeric_column
from .bgnbd import BetaGeo
from .mbgnbd import ModifiedBetaGeo

__all__ = ["BetaGeoCNBD", "ModifiedBetaGeoCNBD", "ErlangBetaGeoProcess"]

#: The column holding Σ ln(time between consecutive purchases), in the summary's time unit.
TIMING_COLUMN = "litt"


class ErlangBetaGeoProcess:
    """Purchases of a customer alive at time 0 under (M)BG/CNBD-k dynamics.

    θ = (k, r, α, a, b, phase, weight): a mixture over components (the last axis of ``r``, ``phase`` and
    ``weight``; the weights sum to 1). In component c the customer has completed ``phase[c]`` of the k
    phases of the current inter-purchase time, λ ~ Gamma(r[c], α), and p ~ Beta(a, b). A customer just
    acquired is one component with phase 0. A customer observed for a while is a mixture, because the
    time since the last purchase says how many phases are probably done (:meth:`BetaGeoCNBD._alive_parameters`).
    The counts of a component are in :func:`~crmlab.clv._special.erlang_beta_series`.
    """

    @staticmethod
    def _mixture(theta, t, quantity):
        k, r, alpha, a, b, phase, weight = theta
        w = np.expand_dims(np.asarray(t, dtype="float64"), -1) / alpha
        try:
            return np.sum(weight * quantity(k, r, w, a, b, phase), axis=-1)
        except OverflowError as error:
            raise PredictionError(f"(M)BG/CNBD-k: {error}; forecast a shorter horizon (t = {np.max(t):.4g} asked), or "
                                  "use k = 1 (BG/NBD), whose expectations need no sum over counts") from error

    @staticmethod
    def expected(theta, t):
        """E[X(t)] = Σ_c weight_c Σ_{m>=1} (b)_{m−1}/(a+b)_{m−1} P(M_c(t) >= m)."""
        return ErlangBetaGeoProcess._mixture(
            theta, t, lambda k, r, w, a, b, phase: erlang_beta_series("expected", k, r, w, a, b, phase))

    @staticmethod
    def survival(theta, t):
        """P(alive at t) = Σ_c weight_c E[(1 − p)^M_c(t)]: alive unless a purchase was followed by dropout."""
        return ErlangBetaGeoProcess._mixture(
            theta, t, lambda k, r, w, a, b, phase: erlang_beta_series("survival", k, r, w, a, b, phase))

    @staticmethod
    def count_probability(theta, n, t):
        """P(X(t) = n) = Σ_c weight_c [P(M_c = n) (b)_n/(a+b)_n + δ_{n>0} P(M_c >= n) a (b)_{n−1}/(a+b)_n].

        Alive after all n purchases, or dropped out right after the n-th: BG/NBD's eq. 8 (FHL 2005) with the
        Erlang-k count M_c(t) in place of the Poisson count; BTYDplus' ``xbgcnbd_pmf_cpp`` for phase 0.
        """
        n = np.expand_dims(np.asarray(n, dtype="float64"), -1)

        def probability(k, r, w, a, b, phase):
            at_least, more = phase_tail(n, k, phase, r, w), phase_tail(n + 1, k, phase, r, w)
            survived = np.exp(log_gamma_ratio(b, n) - log_gamma_ratio(a + b, n))
            before = np.maximum(n - 1, 0.0)
            dropped = np.exp(np.log(a) + log_gamma_ratio(b, before) - log_gamma_ratio(a + b, np.maximum(n, 1.0)))
            return (at_least - more) * survived + np.where(n > 0, at_least * dropped, 0.0)

        return ErlangBetaGeoProcess._mixture(theta, t, probability)


class BetaGeoCNBD(PurchaseModel):
    """BG/CNBD-k model, fitted by maximum likelihood on (frequency, recency, T, litt); k chosen by likelihood.

    Parameters
    ----------
    k : int, optional
        The number of Erlang phases of an inter-purchase time. Default None: fit k = 1, 2, ... and keep
        the k with the highest log-likelihood (the table of all fits is ``regularity_table_``).
    max_k : int
        The largest k tried when ``k`` is None (12, as BTYDplus). As in BTYDplus, the search stops once
        the log-likelihood has fallen twice in a row.
    penalizer, initial_params, tol, max_iter, strategy
        As for :class:`~crmlab.clv.BetaGeo`.

    Notes
    -----
    With y = kx, the log-likelihood of one customer (BTYDplus ``xbgcnbd.LL``) is

    .. math::
        \\ell = (k-1)\\,\\mathrm{litt} - x\\ln (k-1)! + \\ln\\frac{\\Gamma(r+y)\\alpha^r}{\\Gamma(r)}
        + \\ln\\Big[\\frac{B(a, b+c)}{B(a,b)}(\\alpha+T)^{-(r+y)} \\sum_{j=0}^{k-1}\\frac{(r+y)_j}{j!}
        \\Big(\\frac{T-t_x}{\\alpha+T}\\Big)^j + \\delta_{c>0}\\frac{B(a+1, b+c-1)}{B(a,b)}(\\alpha+t_x)^{-(r+y)}\\Big]

    with c = x dropout chances survived (c = x + 1 for MBG/CNBD-k). litt = Σ ln(t_i − t_{i−1}) over the
    x gaps between purchases (:func:`crmlab.add_intertransaction_times`) enters only the first term,
    which has no parameter: it is added to the log-likelihood but does not move the estimate for a
    given k, and it makes the likelihoods of different k comparable. The sum over j is P(the current
    inter-purchase time exceeds T − t_x): j phases of it done. At k = 1 every formula is BG/NBD's
    (MBG/NBD's).

    Predictions. P(alive) = the first term's share of the bracket (BTYDplus ``xbgcnbd.PAlive``). An
    alive customer's future is a mixture over the phases j already done: λ ~ Gamma(r + kx + j, α + T)
    with weight ∝ the j-th term of the sum, the next purchase after k − j more phases, then every k
    phases, dropping out after each with p ~ Beta(a, b + c) (:class:`ErlangBetaGeoProcess`). The
    expected purchases are computed exactly from this. BTYDplus instead approximates them
    (``xbgcnbd.ConditionalExpectedTransactions``): BG/NBD's formula with α replaced by kα, then every
    customer's value rescaled so that the cohort's total equals the difference of the unconditional
    expectations — which makes one customer's forecast depend on who else is scored. crmlab's values
    are per customer and partition-invariant; both agree at k = 1.

    Checked against BTYDplus' own test values (``src/slice-sampling.cpp``: the log-likelihood and
    P(X(t) = x) at k = 3), BG/NBD at k = 1, and by simulation (parameters and k recovered; predicted
    holdout purchases and share alive match the simulated truth).
    """

    model_name = "BG/CNBD-k"
    param_names = ("r", "alpha", "a", "b")
    posterior_columns: ClassVar[tuple[str, ...]] = ("frequency", "recency", "T")
    boundaries = BetaGeo.boundaries
    _process = ErlangBetaGeoProcess
    #: Whether a customer may drop out right after the first purchase (MBG/CNBD-k).
    drops_at_first: ClassVar[bool] = False

    def __init__(self, k: int | None = None, max_k: int = 12, penalizer: float = 0.0,
                 initial_params: dict | None = None, tol: float = 1e-10, max_iter: int = 2000, strategy="auto"):
        super().__init__(penalizer=penalizer, initial_params=initial_params, tol=tol, max_iter=max_iter,
                         strategy=strategy)
        self.k = k
        self.max_k = max_k

    # ------------------------------------------------------------------ fitting
    def fit(self, data: pd.DataFrame, weights: str | np.ndarray | None = None, *, time_unit: str | None = None):
        """Fit by maximum likelihood for ``k``, or for k = 1, 2, ... keeping the most likely (see the class).

        ``data`` needs ``frequency``, ``recency``, ``T`` and ``litt`` (the last may be missing when k = 1).
        """
        self._check_k()
        choose = self.k is None
        candidates = range(1, self.max_k + 1) if choose else (self.k,)
        timing = self._timing(data, weights, needed=choose or self.k > 1)
        fits, table = {}, []
        for k in candidates:
            candidate = type(self)(**{**self._settings(), "k": k})
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    candidate._fit_k(data, weights, time_unit, k, timing)
                except ConvergenceError as error:
                    if not choose:
                        raise
                    table.append({"k": k, "log_likelihood": np.nan, "note": str(error).split(". ")[0]})
                    continue
            fits[k] = candidate, caught
            table.append({"k": k, "log_likelihood": candidate.log_likelihood_, **candidate.params_.to_dict(),
                          "note": candidate.limit_ or ""})
            lls = [row["log_likelihood"] for row in table]
            if choose and len(lls) > 2 and lls[-1] < lls[-2] < lls[-3]:
                break
        if not fits:
            raise ConvergenceError(f"{self.model_name}: no k in 1..{self.max_k} could be fitted: "
                                   f"{'; '.join(row['note'] for row in table)}")
        best = max(fits, key=lambda k: fits[k][0].log_likelihood_)
        chosen, caught = fits[best]
        for warning in caught:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        settings = set(self._settings())
        vars(self).update({name: value for name, value in vars(chosen).items() if name not in settings})
        self.regularity_table_ = pd.DataFrame(table).set_index("k")
        self._information_criteria()
        return self

    def _fit_k(self, data, weights, time_unit, k: int, timing: tuple[np.ndarray, np.ndarray]) -> None:
        self.k_ = k
        super().fit(data, weights, time_unit=time_unit)
        counts, (frequency, litt) = timing
        self.timing_log_likelihood_ = float(counts @ ((k - 1) * litt - frequency * special.gammaln(k)))
        self.log_likelihood_ += self.timing_log_likelihood_

    def _timing(self, data, weights, needed: bool) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Each row's weight, frequency and litt (zeros when litt is not needed: k = 1), checked."""
        if not isinstance(data, pd.DataFrame):
            return np.zeros(0), (np.zeros(0), np.zeros(0))  # fit's own check raises the TypeError
        counts = self._weights(data, weights)
        if "frequency" not in data:
            return counts, (np.zeros(len(data)), np.zeros(len(data)))
        frequency = numeric_column(data, "frequency", self.model_name)
        if not needed:
            return counts, (frequency, np.zeros(len(data)))
        if TIMING_COLUMN not in data:
            raise MissingColumnError(
                f"{self.model_name} with k > 1 (or k chosen by likelihood) needs the column {TIMING_COLUMN!r}, the "
                "sum of the log times between a customer's purchases; add it with "
                "crmlab.add_intertransaction_times(summary, transactions)")
        litt = numeric_column(data, TIMING_COLUMN, self.model_name)
        recency = numeric_column(data, "recency", self.model_name) if "recency" in data else np.zeros(len(data))
        with np.errstate(divide="ignore", invalid="ignore"):
            # x gaps summing to the recency have Σ ln(gap) <= x ln(recency / x) (AM-GM)
            ceiling = np.where(frequency > 0, frequency * np.log(recency / np.maximum(frequency, 1)), 0.0)
        bad = ~np.isfinite(litt) | ((frequency == 0) & (litt != 0)) | (litt > ceiling + 1e-9 * (1 + np.abs(ceiling)))
        if bad.any():
            raise DataError(f"{self.model_name}: {int(bad.sum()):,} rows have a {TIMING_COLUMN!r} that no purchase "
                            f"times fit (missing, non-zero without repeat purchases, or larger than x·ln(recency/x); "
                            f"first: {list(data.index[bad][:5])}): recompute it with "
                            "crmlab.add_intertransaction_times(summary, transactions), in the summary's time unit")
        return counts, (frequency, litt)

    def _check_k(self) -> None:
        for name, value, low in (("k", self.k, 1), ("max_k", self.max_k, 1)):
            if value is None and name == "k":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be a whole number >= {low}, got {value!r}")

    @property
    def n_parameters_(self) -> int:
        """The model's parameters, and k when it was chosen by likelihood."""
        return len(self.param_names) + (self.k is None)

    def _information_criteria(self) -> None:
        """AIC and BIC counting k as a parameter when it was chosen by likelihood."""
        n_params = self.n_parameters_
        self.aic_ = 2 * n_params - 2 * self.log_likelihood_
        self.bic_ = n_params * np.log(self.n_customers_) - 2 * self.log_likelihood_

    def _initial_log_params(self, data):
        start = super()._initial_log_params(data)
        start[self.param_names.index("alpha")] -= np.log(self.k_)  # k phases per purchase: a k-fold phase rate
        return start

    def _log_likelihood(self, log_params, data):
        r, alpha, a, b = np.exp(log_params)
        k = self.k_
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        levels, at = self._frequency_levels(data)  # special functions once per distinct frequency
        chances = levels + self.drops_at_first  # dropout chances survived by an alive customer
        y = k * x  # Poisson phases behind x purchases
        drift = log_gamma_ratio(a + b, chances)
        beta_alive = (log_gamma_ratio(b, chances) - drift)[at]
        beta_dead = np.where(chances > 0, np.log(a) + log_gamma_ratio(b, np.maximum(chances - 1, 0.0)) - drift,
                             -np.inf)[at]
        grow_T, grow_tx = np.log1p(T / alpha), np.log1p(t_x / alpha)
        log_open, phase_weights = _open_interval(r + y, (T - t_x) / (alpha + T), k)
        term1 = beta_alive - r * grow_T - y * np.log(alpha + T) + log_open
        term2 = beta_dead - r * grow_tx - y * np.log(alpha + t_x)
        mix = np.logaddexp(term1, term2)
        w1 = np.exp(term1 - mix)
        w2 = 1.0 - w1
        ll = log_gamma_ratio(r, k * levels)[at] + mix
        phases = np.arange(k, dtype="float64")
        d_open_r = np.sum(phase_weights * digamma_difference((r + y)[:, None], phases), axis=1)
        d_r = r * (digamma_difference(r, k * levels)[at] - w1 * grow_T - w2 * grow_tx + w1 * d_open_r)
        d_alpha = (r * (w1 * T / (alpha + T) + w2 * t_x / (alpha + t_x))
                   - y * alpha * (w1 / (alpha + T) + w2 / (alpha + t_x))
                   - w1 * alpha / (alpha + T) * (phase_weights @ phases))
        spread = digamma_difference(a + b, chances)[at]
        d_a = w2 - a * spread
        d_b = b * (w1 * digamma_difference(b, chances)[at]
                   + w2 * digamma_difference(b, np.maximum(chances - 1, 0.0))[at] - spread)
        return ll, np.stack([d_r, d_alpha, d_a, d_b]).T

    # ------------------------------------------------------------------ predictions
    def _terms(self, history):
        r, alpha, a, b = self._param_values()
        k = self.k_
        x, t_x, T = history["frequency"], history["recency"], history["T"]
        chances = x + self.drops_at_first
        log_open, phase_weights = _open_interval(r + k * x, (T - t_x) / (alpha + T), k)
        return chances, log_open, phase_weights

    def _p_alive_now(self, history):
        """P(alive at T | x, t_x, T) = 1/(1 + δ_{c>0} a/(b+c−1) ((α+T)/(α+t_x))^(r+kx) / Σ_j ...)  (BTYDplus
        ``xbgcnbd.PAlive``), on the log scale."""
        r, alpha, a, b = self._param_values()
        x, t_x, T = history["frequency"], history["recency"], history["T"]
        chances, log_open, _ = self._terms(history)
        log_odds = (np.log(a) - np.log(b + np.maximum(chances - 1, 0.0))
                    + (r + self.k_ * x) * np.log1p((T - t_x) / (alpha + t_x)) - log_open)
        return np.where(chances > 0, special.expit(-log_odds), 1.0)

    def _alive_parameters(self, keys):
        """The alive customer's future (see the class Notes): one mixture component per phase j = 0..k−1 done."""
        r, alpha, a, b = self._param_values()
        k = self.k_
        chances, _, phase_weights = self._terms(keys)
        x, T = keys["frequency"], keys["T"]
        column = np.ones((len(x), 1))
        phases = np.arange(k, dtype="float64")
        return (k, (r + k * x)[:, None] + phases, (alpha + T)[:, None], a * column, (b + chances)[:, None],
                phases, phase_weights)

    def _new_customer(self):
        """Just after the first purchase no phase is done; MBG/CNBD-k: alive with probability b/(a+b), then
        p ~ Beta(a, b+1)."""
        r, alpha, a, b = self._param_values()
        one = np.ones(1)
        alive = b / (a + b) if self.drops_at_first else 1.0
        return alive, (self.k_, r * one, alpha * one, a * one, (b + self.drops_at_first) * one, 0 * one, one)

    # ------------------------------------------------------------------ results and persistence
    def summary(self, level: float = 0.95) -> pd.DataFrame:
        table = super().summary(level)
        table.attrs["k"] = self.k_
        return table

    def __repr__(self) -> str:
        text = super().__repr__()
        return text.replace("(", f"(k={self.k_}, ", 1) if hasattr(self, "k_") else text

    def _settings(self) -> dict:
        """The settings of the class; covariates are not among them (neither BTYDplus nor CLVTools define
        the CNBD-k models with covariates)."""
        settings = {name: value for name, value in super()._settings().items() if not name.startswith("covariate")
                    and not name.endswith("_covariates")}
        return {**settings, "k": self.k, "max_k": self.max_k}

    def _fitted_state(self) -> dict:
        table = getattr(self, "regularity_table_", None)
        return {**super()._fitted_state(), "k": self.k_,
                "timing_log_likelihood": self.timing_log_likelihood_,
                "regularity_table": None if table is None else table.reset_index().to_dict(orient="list")}

    def _restore_state(self, state: dict) -> None:
        super()._restore_state(state)
        self.k_ = state["k"]
        self.timing_log_likelihood_ = state["timing_log_likelihood"]
        if state.get("regularity_table") is not None:
            self.regularity_table_ = pd.DataFrame(state["regularity_table"]).set_index("k")

    @classmethod
    def _from_document(cls, document: dict):
        model = super()._from_document(document)
        model._information_criteria()
        return model


class ModifiedBetaGeoCNBD(BetaGeoCNBD):
    """MBG/CNBD-k: as :class:`BetaGeoCNBD`, but a customer may also drop out right after the first purchase.

    At k = 1 it is MBG/NBD (:class:`~crmlab.clv.ModifiedBetaGeo`), whose limits it shares.
    """

    model_name = "MBG/CNBD-k"
    boundaries = ModifiedBetaGeo.boundaries
    drops_at_first = True


def _open_interval(shape: np.ndarray, z: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """log Σ_{j<k} (shape)_j z^j / j! and the normalised terms (rows × k).

    With shape = r + kx and z = (T − t_x)/(α + T) this is the odds-weighted chance that the current
    inter-purchase time, of which T − t_x have passed, is still open after j of its k phases; the terms
    are the posterior probabilities of j phases done.
    """
    phases = np.arange(k, dtype="float64")
    log_terms = (log_gamma_ratio(np.asarray(shape, dtype="float64")[:, None], phases)
                 + special.xlogy(phases, np.asarray(z, dtype="float64")[:, None]) - special.gammaln(phases + 1))
    total = special.logsumexp(log_terms, axis=1)
    return total, np.exp(log_terms - total[:, None])
