"""Churn in a non-contractual setting: classifiers against the BG/NBD model, on a holdout neither has seen.

Where customers never cancel, "churned" can only mean "did not come back": a customer
is labelled churned when they make no purchase in a holdout window of fixed length
after the end of a calibration period, and every feature is computed from the
calibration period alone.

The comparison respects time. The classifiers are trained on an earlier window
(calibration ending one holdout length before the test's, labels from the
holdout that ends where the test's calibration ends) and scored on the later one,
so no label they learn from lies in the period they are judged on. The BG/NBD model
needs no labels: it is fitted on the test window's calibration period and scored
two ways,

* 1 − P(alive): the probability the customer has already dropped out (Fader,
  Hardie & Lee 2005, eq. 11), the score usually compared with classifiers;
* P(no purchase in the holdout): 1 − P(alive) + P(alive) ((α+T)/(α+T+t))^(r+x),
  the model's own probability of the event the label records (an alive
  customer's rate is Gamma(r+x, α+T) given the history, and the probability of
  no Poisson event in t is averaged over it).

Scores are judged by ROC AUC (ranking), Brier score (probability accuracy) and
the lift of the riskiest decile; :func:`gain_table` gives the whole gain chart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from .errors import DataError, EmptyDataError, MissingColumnError
from .summary import calibration_holdout

__all__ = ["FEATURES", "ChurnStudy", "churn_dataset", "churn_metrics", "churn_study", "gain_table", "life_table"]

#: Features built from the calibration period (days; money in the log's currency).
FEATURES = ("frequency", "recency", "T", "inactive_days", "purchase_rate", "monetary", "total_spend",
            "recent_purchases", "recent_spend", "distinct_products")
_RECENT_DAYS = 90


def churn_dataset(transactions: pd.DataFrame, *, calibration_end, holdout_end, product_col: str = "product",
                  customer_col: str = "customer_id", date_col: str = "date", amount_col: str = "amount"
                  ) -> pd.DataFrame:
    """One row per customer with a purchase by ``calibration_end``: :data:`FEATURES` and the label ``churned``.

    ``churned`` is True when the customer makes no purchase in (calibration_end, holdout_end]. Features
    (days): the calibration summary (frequency, recency, T, mean repeat spend ``monetary``), ``inactive_days``
    = T − recency, ``purchase_rate`` = frequency / T, ``total_spend``, purchases and spend in the last 90
    days of the calibration period, and the number of distinct products bought (0 without ``product_col``).
    """
    for column in (customer_col, date_col, amount_col):
        if column not in transactions.columns:
            raise MissingColumnError(f"churn_dataset needs the column {column!r}; have {list(transactions.columns)}")
    start, end = pd.Timestamp(calibration_end), pd.Timestamp(holdout_end)
    if end <= start:
        raise ValueError(f"holdout_end ({end.date()}) must be after calibration_end ({start.date()})")
    names = {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col}
    split = calibration_holdout(transactions, calibration_end=start, observation_end=end, time_unit="D", **names)
    if split.empty:
        raise EmptyDataError(f"no customer bought by calibration_end {start.date()}; choose a later date")
    all_days = transactions[date_col].dt.normalize()
    history = transactions[all_days <= start.normalize()]  # the whole calibration_end day, as in the summary
    days = all_days[history.index]
    recent = history[days > start.normalize() - pd.Timedelta(days=_RECENT_DAYS)]
    by_customer = history.groupby(customer_col)
    frame = pd.DataFrame({
        "frequency": split["frequency_cal"],
        "recency": split["recency_cal"],
        "T": split["T_cal"],
        "inactive_days": split["T_cal"] - split["recency_cal"],
        "purchase_rate": np.where(split["T_cal"] > 0, split["frequency_cal"] / split["T_cal"].where(
            split["T_cal"] > 0, 1.0), 0.0),
        "monetary": split["monetary_cal"],
        "total_spend": by_customer[amount_col].sum(),
        "recent_purchases": recent.assign(_day=days[recent.index]).groupby(customer_col)["_day"].nunique(),
        "recent_spend": recent.groupby(customer_col)[amount_col].sum(),
        "distinct_products": (by_customer[product_col].nunique() if product_col in history.columns else 0),
    }, index=split.index)
    frame = frame.fillna({"recent_purchases": 0, "recent_spend": 0.0, "distinct_products": 0})
    frame["churned"] = split["frequency_holdout"].eq(0)
    frame.attrs = {"calibration_end": start, "holdout_end": end}
    return frame


def _classifiers(seed: int) -> dict:
    """An L2-regularised logistic regression on log-scaled, standardised features, and gradient boosting.

    Both keep scikit-learn's default settings (C = 1; 100 boosting rounds, learning rate 0.1): nothing is
    tuned on the test window, which would leak it into the comparison.
    """
    signed_log = FunctionTransformer(lambda v: np.sign(v) * np.log1p(np.abs(v)))
    logit = make_pipeline(ColumnTransformer([("log", signed_log, list(FEATURES))]), StandardScaler(),
                          LogisticRegression(C=1.0, max_iter=2000))
    boosting = HistGradientBoostingClassifier(early_stopping=False, random_state=seed)
    return {"logistic regression": logit, "gradient boosting": boosting}


@dataclass(frozen=True)
class ChurnStudy:
    """Result of :func:`churn_study`.

    ``train`` / ``test``: the two windows from :func:`churn_dataset`; ``scores``: the test customers'
    churn label and every model's churn score; ``metrics``: :func:`churn_metrics` of the scores;
    ``classifiers``: the fitted scikit-learn models; ``bgnbd``: the BG/NBD model fitted on the test window.
    """

    train: pd.DataFrame
    test: pd.DataFrame
    scores: pd.DataFrame
    metrics: pd.DataFrame
    classifiers: dict
    bgnbd: object

    def gains(self, bins: int = 10) -> dict[str, pd.DataFrame]:
        """:func:`gain_table` of every score."""
        return {name: gain_table(self.scores["churned"], self.scores[name], bins=bins)
                for name in self.scores.columns.drop("churned")}


def churn_study(transactions: pd.DataFrame, *, calibration_end, holdout_end, seed: int = 0,
                bgnbd_penalizer: float = 0.001, **columns) -> ChurnStudy:
    """Train classifiers on the earlier window, fit BG/NBD on the test window's calibration data, score both.

    The training window ends its calibration one holdout length (holdout_end − calibration_end) before
    ``calibration_end``; its labels come from the holdout ending at ``calibration_end``. ``columns`` are
    passed to :func:`churn_dataset`.

    ``bgnbd_penalizer``: on Online Retail the unpenalised BG/NBD likelihood has no interior maximum (it
    runs off to a → 0, a base where nobody ever drops out), which crmlab reports as a ConvergenceError;
    the small L2 penalty lifetimes' users apply gives an interior estimate. Set 0 for the plain MLE.
    """
    from .clv import BetaGeo

    test_start, test_end = pd.Timestamp(calibration_end), pd.Timestamp(holdout_end)
    length = test_end - test_start
    train = churn_dataset(transactions, calibration_end=test_start - length, holdout_end=test_start, **columns)
    test = churn_dataset(transactions, calibration_end=test_start, holdout_end=test_end, **columns)
    for name, window in (("training", train), ("test", test)):
        if window["churned"].nunique() < 2:
            state = "churned" if window["churned"].all() else "active"
            raise DataError(f"in the {name} window every customer is {state}; choose dates whose holdout has "
                            "both buyers and non-buyers")
    classifiers = _classifiers(seed)
    scores = pd.DataFrame({"churned": test["churned"]}, index=test.index)
    for name, model in classifiers.items():
        model.fit(train[list(FEATURES)], train["churned"])
        scores[name] = model.predict_proba(test[list(FEATURES)])[:, 1]
    history = test[["frequency", "recency", "T"]]  # the calibration summary, in days (see churn_dataset)
    bgnbd = BetaGeo(penalizer=bgnbd_penalizer).fit(history, time_unit="D")
    scores["BG/NBD 1 − P(alive)"] = 1.0 - bgnbd.p_alive(history).to_numpy()
    scores["BG/NBD P(no purchase)"] = bgnbd.probability_no_purchases(length / pd.Timedelta(days=1),
                                                                     history).to_numpy()
    return ChurnStudy(train, test, scores, churn_metrics(scores["churned"], scores.drop(columns="churned")),
                      classifiers, bgnbd)


def churn_metrics(churned: pd.Series, scores: pd.DataFrame, top: float = 0.1) -> pd.DataFrame:
    """ROC AUC, Brier score and the lift of the top ``top`` share of customers, for each score column.

    The base-rate row scores every customer with the share of churners, the Brier score a model must beat.
    """
    y = np.asarray(churned, dtype=bool)
    if y.all() or not y.any():
        raise DataError("churn metrics need both churned and retained customers")
    rows = {}
    for name in scores.columns:
        p = scores[name].to_numpy(dtype="float64")
        if np.any((p < 0) | (p > 1)) or not np.all(np.isfinite(p)):
            raise ValueError(f"score {name!r} is not a probability: values outside [0, 1] or missing")
        table = gain_table(y, p, bins=round(1 / top))
        rows[name] = {"roc_auc": roc_auc_score(y, p), "brier": brier_score_loss(y, p),
                      f"lift_top_{top:.0%}": table["lift"].iloc[0]}
    rows["base rate"] = {"roc_auc": 0.5, "brier": brier_score_loss(y, np.full(len(y), y.mean())),
                         f"lift_top_{top:.0%}": 1.0}
    return pd.DataFrame(rows).T.rename_axis("score")


def gain_table(churned, score, bins: int = 10) -> pd.DataFrame:
    """Cumulative gain and lift by score bins (highest scores first).

    Customers are sorted by score, descending (ties keep a stable, deterministic order) and cut into
    ``bins`` groups of equal size. For the first k groups: share of customers, share of all churners they
    hold (the gain) and lift = gain / share of customers.
    """
    y = np.asarray(churned, dtype=bool)
    p = np.asarray(score, dtype="float64")
    if y.shape != p.shape or y.size == 0:
        raise ValueError("churned and score must be two non-empty arrays of the same length")
    if not y.any():
        raise DataError("the gain chart needs at least one churned customer")
    if bins < 1 or bins > y.size:
        raise ValueError(f"bins must be between 1 and the number of customers ({y.size}), got {bins}")
    order = np.argsort(-p, kind="stable")
    group = np.arange(y.size) * bins // y.size
    counts = np.bincount(group, minlength=bins)
    churners = np.bincount(group, weights=y[order], minlength=bins)
    customers_share = np.cumsum(counts) / y.size
    gain = np.cumsum(churners) / y.sum()
    return pd.DataFrame({"customers_share": customers_share, "gain": gain, "lift": gain / customers_share,
                         "churn_rate": churners / counts}, index=pd.RangeIndex(1, bins + 1, name="bin"))


def life_table(tenure: pd.Series, churned: pd.Series) -> pd.DataFrame:
    """The life table of a snapshot of contract customers: share still a customer after t periods.

    ``tenure``: whole periods each customer has been with the firm; ``churned``: True for those who left at the
    end of their tenure (the others are still customers, right-censored). For t = 1, …, max tenure: customers at
    risk n_t = #{tenure ≥ t}, churned d_t = #{churned, tenure = t}, hazard h_t = d_t / n_t and survival
    S(t) = Π_{s ≤ t} (1 − h_s) — the Kaplan–Meier estimator (Kaplan & Meier 1958, *JASA* 53, eq. 2) on period
    data. Customers with tenure 0 enter no period (counted in ``attrs["tenure_0"]``).
    """
    tenure = pd.Series(tenure)
    churned = pd.Series(churned)
    if len(tenure) != len(churned) or len(tenure) == 0:
        raise DataError(f"tenure and churned must be two non-empty columns of the same length, got {len(tenure)} "
                        f"and {len(churned)}")
    if not pd.api.types.is_bool_dtype(churned):
        raise DataError(f"churned must be True/False, got {churned.dtype} (e.g. telco['Churn'].eq('Yes'))")
    values = pd.to_numeric(tenure, errors="coerce").to_numpy(dtype="float64")
    bad = ~np.isfinite(values) | (values < 0) | (values != np.floor(values))
    if bad.any():
        raise DataError(f"tenure must hold whole periods >= 0; {int(bad.sum()):,} values do not "
                        f"(e.g. {tenure[bad].iloc[0]!r})")
    periods = np.arange(1, int(values.max()) + 1)
    left = churned.to_numpy()
    at_risk = np.array([(values >= t).sum() for t in periods])
    churn_counts = np.bincount(values[left].astype("int64"), minlength=periods[-1] + 1)[1:] if len(periods) else []
    hazard = np.divide(churn_counts, at_risk, out=np.zeros(len(periods)), where=at_risk > 0)
    table = pd.DataFrame({"at_risk": at_risk, "churned": churn_counts, "hazard": hazard,
                          "survival": np.cumprod(1 - hazard)}, index=pd.Index(periods, name="period"))
    table.attrs["tenure_0"] = int((values == 0).sum())
    return table
