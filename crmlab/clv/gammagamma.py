"""Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Fader & Hardie 2013).

Fader, P.S., Hardie, B.G.S., Lee, K.L. (2005), "RFM and CLV: using iso-value curves for
customer base analysis", *Journal of Marketing Research* 42(4), 415-430; Fader & Hardie (2013),
"The Gamma-Gamma model of monetary value", http://brucehardie.com/notes/025/.

Assumptions: a customer's transaction values are Gamma(p, ν) around the customer's
mean p/ν; ν ~ Gamma(q, γ) across customers; spend is independent of the purchase
process (check it: the correlation of frequency and mean spend should be near 0).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import special

from ..errors import DataError, PredictionError
from .base import MaximumLikelihoodModel, _Data
from .covariates import check_identifiable, column_names, covariate_values

__all__ = ["GammaGamma"]


class GammaGamma(MaximumLikelihoodModel):
    """Gamma-Gamma spend model, fitted on repeat buyers' ``frequency`` x and mean spend ``monetary`` z̄.

    Customers with x = 0 carry no spend information and are left out of the fit;
    ``n_excluded_`` counts them.

    Notes
    -----
    The mean z̄ of x transactions is Gamma(px, νx); integrating ν out gives

    .. math::
        \\ell = \\ln\\Gamma(px+q) - \\ln\\Gamma(px) - \\ln\\Gamma(q) + q\\ln\\gamma + (px-1)\\ln\\bar z
        + px\\ln x - (px+q)\\ln(\\gamma + x\\bar z)

    Covariates (``spend_covariates=[...]``; no peer has them, this definition is crmlab's): they act on
    the scale of the individual mean spend. Customer i's ν_i ~ Gamma(q, γ_i) with

    .. math::
        \\gamma_i = \\gamma\\, e^{\\delta' w_i}, \\qquad
        E[\\text{mean spend} \\mid w_i] = E[p/\\nu_i] = \\frac{p\\gamma}{q-1} e^{\\delta' w_i},

    so e^δ is the factor by which one unit of a covariate multiplies the expected spend per transaction,
    while p and q (the shape of the spread around it) are common. The likelihood above holds per customer
    with γ_i; the coefficients are ``spend:<name>`` in ``params_``, estimated untransformed, and
    :meth:`expected_spend` reads the covariates from the data it is given. Recovery on simulated data:
    ``tests/clv/test_covariates_spend_retention.py``.

    Checked against Fader & Hardie (2013): p = 6.25, q = 3.74, γ = 15.44 on the CDNOW sample.
    """

    param_names = ("p", "q", "gamma")
    base_columns: ClassVar[tuple[str, ...]] = ("frequency", "monetary")
    model_name = "Gamma-Gamma"

    def __init__(self, penalizer: float = 0.0, initial_params: dict | None = None, tol: float = 1e-10,
                 max_iter: int = 2000, strategy="auto", *, spend_covariates=None):
        super().__init__(penalizer=penalizer, initial_params=initial_params, tol=tol, max_iter=max_iter,
                         strategy=strategy)
        self.spend_covariates = spend_covariates

    @property
    def covariate_columns(self) -> tuple[str, ...]:
        return column_names(self.model_name, "spend_covariates", self.spend_covariates, self.base_columns)

    @property
    def theta_names(self) -> tuple[str, ...]:
        return (*self.param_names, *(f"spend:{c}" for c in self.covariate_columns))

    @property
    def data_columns(self) -> tuple[str, ...]:
        return (*self.base_columns, *self.covariate_columns)

    def _check_settings(self) -> None:
        super()._check_settings()
        _ = self.covariate_columns  # checks spend_covariates before any work

    def _settings(self) -> dict:
        return {**super()._settings(), "spend_covariates": self.spend_covariates}

    def _prepare(self, data, weights) -> _Data:
        if isinstance(data, pd.DataFrame) and "frequency" in data:
            repeat = data["frequency"].to_numpy() > 0
            self.n_excluded_ = int((~repeat).sum())
            if isinstance(weights, np.ndarray | list):
                weights = np.asarray(weights)[repeat]
            data = data[repeat]
            if len(data) == 0:
                raise DataError("Gamma-Gamma: no customer has a repeat purchase (frequency > 0); "
                                "spend per transaction cannot be estimated")
        covariates = self.covariate_columns
        if covariates and isinstance(data, pd.DataFrame):
            covariate_values(data, covariates, self.model_name)
        prepared = super()._prepare(data, weights)
        if covariates:
            check_identifiable({c: prepared.columns[c] for c in covariates}, {"spend": covariates}, prepared.counts,
                               self.model_name)
        return prepared

    def _check_values(self, columns):
        bad = columns["monetary"] <= 0
        if bad.any():
            raise DataError(f"Gamma-Gamma: {int(bad.sum()):,} repeat buyers have a mean spend <= 0 (row positions "
                            f"{np.flatnonzero(bad)[:5].tolist()}); the model needs positive spend. Drop them, or "
                            "clean the log with zero_value='drop'.")

    def _initial_log_params(self, data):
        start = np.log([1.0, 2.0, max(float(np.average(data.columns["monetary"], weights=data.counts)), 1e-3)])
        return np.concatenate([start, np.zeros(len(self.covariate_columns))])

    def _scale(self, theta: np.ndarray, data: dict[str, np.ndarray]):
        """γ_i = γ e^(δ'w_i) per customer (γ itself without covariates)."""
        gamma = np.exp(theta[2])
        covariates = self.covariate_columns
        if not covariates:
            return gamma
        return gamma * np.exp(np.column_stack([data[c] for c in covariates]) @ theta[3:])

    def _log_likelihood(self, log_params, data):
        p, q = np.exp(log_params[:2])
        gamma = self._scale(log_params, data)
        x, z = data["frequency"], data["monetary"]
        px = p * x
        log_denominator = np.log(gamma + x * z)
        ll = (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(gamma)
              + (px - 1) * np.log(z) + px * np.log(x) - (px + q) * log_denominator)
        dig = special.digamma
        d_p = x * (dig(px + q) - dig(px) + np.log(z) + np.log(x) - log_denominator)
        d_q = dig(px + q) - dig(q) + np.log(gamma) - log_denominator
        d_log_gamma = q - (px + q) * gamma / (gamma + x * z)  # ∂ℓ/∂log γ_i, and times w_ij for δ_j
        columns = [d_p * p, d_q * q, np.broadcast_to(d_log_gamma, x.shape)]
        columns += [data[c] * d_log_gamma for c in self.covariate_columns]
        return ll, np.stack(columns).T

    def mean_spend(self) -> float:
        """Population mean spend per transaction, pγ/(q-1) (infinite when q <= 1); with covariates, that of a
        customer whose covariates are all 0."""
        p, q, gamma = self._param_values()
        return p * gamma / (q - 1) if q > 1 else np.inf

    def expected_spend(self, data: pd.DataFrame) -> pd.Series:
        """E[spend per transaction | x, z̄] = (γ + x z̄) p / (px + q - 1) (Fader, Hardie & Lee 2005, eq. 5).

        A weighted average of the population mean and the customer's own mean; customers with x = 0
        get the population mean. The expectation is finite only where px + q > 1: with q <= 1 (a
        spend distribution so heavy-tailed that its mean is infinite) customers without repeat
        purchases, and any with px + q <= 1, have no finite expected spend, and this raises
        :class:`~crmlab.errors.PredictionError` rather than return a negative or infinite value.
        """
        p, q, _ = self._param_values()
        missing = [c for c in ("frequency", "monetary") if c not in data]
        if missing:
            raise DataError(f"expected_spend needs columns frequency and monetary; missing {missing}")
        x = data["frequency"].to_numpy(dtype="float64")
        z = np.where(x > 0, data["monetary"].to_numpy(dtype="float64"), 0.0)
        gamma = self._scale(self._theta(), covariate_values(data, self.covariate_columns, self.model_name))
        infinite = p * x + q <= 1
        if infinite.any():
            raise PredictionError(
                f"Gamma-Gamma fit has q = {q:.4g} (p = {p:.4g}): the expected spend of {int(infinite.sum()):,} "
                f"customers with p·frequency + q <= 1 (e.g. {list(data.index[infinite][:5])}"
                f"{', every one-time buyer' if q <= 1 else ''}) is infinite. Value them with a spend you choose "
                "(pass a Series or number as the spend model to customer_lifetime_value), or fit on more repeat "
                "buyers.")
        return pd.Series((gamma + x * z) * p / (p * x + q - 1), index=data.index, name="expected_spend")
