"""Every figure of the lab.

Each function draws on the Axes it is given (a new one when ``ax`` is None),
returns that Axes, and touches no global pyplot state, so figures compose into
subplots and notebooks stay in control of layout. Colours follow seaborn's
default palette.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from .errors import ColumnTypeError, DataError, MissingColumnError
from .frames import unit_name
from .i18n import message, term
from .quality import DROP_REASONS, DataQualityReport

__all__ = ["plot_dropped_rows", "plot_monthly_activity", "plot_repeat_purchases", "plot_frequency_recency_matrix",
           "plot_p_alive_matrix", "plot_calibration_vs_holdout", "plot_tracking", "plot_repeat_purchase_histogram",
           "plot_concentration", "plot_whale_curve", "plot_class_shares", "plot_behaviour_matrix", "plot_lifecycle_mix",
           "plot_cluster_diagnostics", "plot_migration", "plot_ipma", "plot_kano", "plot_importance_performance",
           "plot_value_map", "plot_path_coefficients", "plot_satisfaction_loyalty", "plot_gain",
           "plot_clv_components", "plot_retention_projection", "plot_retention_uplift",
           "plot_leaking_bucket", "plot_relationship_growth", "plot_crm_process", "plot_crm_kinds",
           "plot_retention_claims", "plot_snapshot_survival", "plot_relationship_depth"]


def _axes(ax: Axes | None, size=(7, 4)) -> Axes:
    if ax is not None:
        return ax
    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def plot_dropped_rows(report: DataQualityReport, ax: Axes | None = None) -> Axes:
    """Horizontal bars of the rows :func:`crmlab.transactions.clean` dropped, per reason, with shares of the input."""
    counts = report.dropped_by_reason()
    ax = _axes(ax)
    labels = [DROP_REASONS[key] for key in counts.index]
    sns.barplot(x=counts.to_numpy(), y=labels, ax=ax, color=sns.color_palette()[3], orient="h")
    for patch, n in zip(ax.patches, counts.to_numpy(), strict=True):
        ax.annotate(f" {n:,} ({n / report.rows_in:.1%})", (patch.get_width(), patch.get_y() + patch.get_height() / 2),
                    va="center", fontsize=9)
    ax.set(xlabel="rows dropped", ylabel="",
           title=f"Rows dropped: {sum(counts):,} of {report.rows_in:,}; kept {report.rows_kept:,}")
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.margins(x=0.35)
    return ax


def plot_monthly_activity(transactions: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Revenue (bars, left axis) and active customers (line, right axis) per calendar month of a clean log."""
    months = transactions["date"].dt.to_period("M")
    monthly = transactions.groupby(months).agg(revenue=("amount", "sum"), customers=("customer_id", "nunique"))
    ax = _axes(ax, size=(8, 4))
    labels = monthly.index.strftime("%Y-%m")
    ax.bar(labels, monthly["revenue"], color=sns.color_palette()[0], alpha=0.8, label="revenue")
    ax.set(ylabel="revenue", xlabel="month", title="Revenue and active customers per month")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.tick_params(axis="x", labelrotation=90)
    right = ax.twinx()
    right.plot(labels, monthly["customers"], color=sns.color_palette()[1], marker="o", label="active customers")
    right.set(ylabel="active customers")
    right.set_ylim(bottom=0)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left")
    return ax


def plot_repeat_purchases(summary: pd.DataFrame, max_frequency: int = 10, ax: Axes | None = None) -> Axes:
    """Share of customers by number of repeat purchases (``frequency``), the last bar pooling ``max_frequency``+."""
    if "frequency" not in summary:
        raise MissingColumnError("summary has no 'frequency' column; pass the output of crmlab.customer_summary")
    clipped = summary["frequency"].clip(upper=max_frequency)
    shares = clipped.value_counts(normalize=True).reindex(range(max_frequency + 1), fill_value=0.0)
    labels = [str(k) for k in shares.index[:-1]] + [f"{max_frequency}+"]
    ax = _axes(ax)
    ax.bar(labels, shares.to_numpy(), color=sns.color_palette()[2])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel="repeat purchases in the period", ylabel="share of customers",
           title=f"Repeat purchases of {len(summary):,} customers")
    return ax


# --------------------------------------------------------------------------- customer-base models

def _grid_summary(max_frequency: int, max_recency: float, T: float) -> pd.DataFrame:
    frequency, recency = np.meshgrid(np.arange(max_frequency + 1), np.linspace(0, max_recency, 41))
    grid = pd.DataFrame({"frequency": frequency.ravel(), "recency": recency.ravel(), "T": T})
    grid.loc[grid["frequency"] == 0, "recency"] = 0.0
    return grid


def _matrix(values: pd.Series, grid: pd.DataFrame, ax, title, label, cmap, unit: str):
    table = pd.DataFrame({"frequency": grid["frequency"], "recency": grid["recency"], "v": values.to_numpy()})
    table = table[(table["frequency"] > 0) | (table["recency"] == 0)].drop_duplicates(["frequency", "recency"])
    matrix = table.pivot(index="recency", columns="frequency", values="v").sort_index(ascending=False)
    image = ax.imshow(matrix.to_numpy(), aspect="auto", cmap=cmap, interpolation="nearest",
                      extent=(-0.5, matrix.columns.max() + 0.5, 0, matrix.index.max()))
    ax.figure.colorbar(image, ax=ax, label=label)
    ax.set(xlabel="repeat purchases x", ylabel=f"recency t_x (time of the last purchase, {unit})", title=title)
    return ax


def plot_frequency_recency_matrix(model, t: float = 1.0, max_frequency: int = 20, T: float | None = None,
                                  ax: Axes | None = None) -> Axes:
    """Expected purchases in the next ``t`` time units (the model's) for every (frequency, recency) of a customer
    observed for T."""
    T = float(T if T is not None else 40.0)
    grid = _grid_summary(max_frequency, T, T)
    ax = _axes(ax)
    unit = model.time_unit_label
    return _matrix(model.expected_purchases(t, grid), grid, ax,
                   f"Expected purchases in the next {t:g} {unit} (T = {T:g} {unit})", "expected purchases", "viridis",
                   unit)


def plot_p_alive_matrix(model, max_frequency: int = 20, T: float | None = None, ax: Axes | None = None) -> Axes:
    """P(alive) for every (frequency, recency) of a customer observed for T time units."""
    T = float(T if T is not None else 40.0)
    grid = _grid_summary(max_frequency, T, T)
    ax = _axes(ax)
    unit = model.time_unit_label
    return _matrix(model.p_alive(grid), grid, ax, f"Probability that the customer is alive (T = {T:g} {unit})",
                   "P(alive)", "RdYlGn", unit)


def plot_calibration_vs_holdout(evaluation, split: pd.DataFrame, max_frequency: int = 7,
                                ax: Axes | None = None) -> Axes:
    """Mean holdout purchases by calibration frequency: actual, model and naive baseline."""
    table = evaluation.per_customer.assign(group=split["frequency_cal"].clip(upper=max_frequency))
    means = table.groupby("group")[["actual", "predicted", "baseline"]].mean()
    labels = [str(k) for k in means.index[:-1]] + [f"{means.index[-1]}+"]
    ax = _axes(ax)
    ax.plot(labels, means["actual"], marker="o", label="actual", color="black")
    ax.plot(labels, means["predicted"], marker="s", label="model", color=sns.color_palette()[0])
    ax.plot(labels, means["baseline"], marker="^", linestyle=":", label="naive baseline", color=sns.color_palette()[3])
    ax.set(xlabel="repeat purchases in calibration", ylabel="mean purchases in holdout",
           title="Conditional expectations: holdout purchases by calibration frequency")
    ax.legend()
    return ax


def plot_tracking(tracking: pd.DataFrame, cumulative: bool = True, ax: Axes | None = None) -> Axes:
    """Actual vs expected repeat purchases per period (or cumulative), calibration end marked."""
    actual, expected = ("actual_cumulative", "expected_cumulative") if cumulative else ("actual", "expected")
    ax = _axes(ax, size=(8, 4))
    ax.plot(tracking.index, tracking[actual], color="black", label="actual")
    ax.plot(tracking.index, tracking[expected], color=sns.color_palette()[0], linestyle="--", label="model")
    holdout = tracking.index[tracking["holdout"].to_numpy()]
    if len(holdout):
        ax.axvline(holdout[0] - 0.5, color="grey", linestyle=":", label="end of calibration")
    unit = tracking.attrs.get("time_unit")
    ax.set(xlabel=f"{unit_name(unit)} since the cohort's first purchase" if unit else "period",
           ylabel=("cumulative " if cumulative else "") + "repeat purchases",
           title=("Cumulative" if cumulative else "Period-by-period") + " repeat purchases: actual vs model")
    ax.legend()
    return ax


def plot_repeat_purchase_histogram(model, summary: pd.DataFrame, max_frequency: int = 7,
                                   ax: Axes | None = None) -> Axes:
    """Number of customers by repeat purchases in their observation period: actual vs the model's expectation.

    The model's count for x purchases is Σ_i P(X(T_i) = x) over the customers' observation lengths T_i.
    """
    lengths = summary["T"].value_counts()
    counts = np.arange(max_frequency)
    probabilities = model.probability_of_purchases_new_customer(counts[:, None], lengths.index.to_numpy()[None, :])
    expected = probabilities @ lengths.to_numpy()
    expected = np.append(expected, len(summary) - expected.sum())
    actual = summary["frequency"].clip(upper=max_frequency).value_counts().reindex(range(max_frequency + 1),
                                                                                   fill_value=0)
    labels = [str(k) for k in counts] + [f"{max_frequency}+"]
    positions = np.arange(len(labels))
    ax = _axes(ax)
    ax.bar(positions - 0.2, actual.to_numpy(), width=0.4, label="actual", color="grey")
    ax.bar(positions + 0.2, expected, width=0.4, label="model", color=sns.color_palette()[0])
    ax.set_xticks(positions, labels)
    ax.set(xlabel="repeat purchases", ylabel="customers", title="Repeat purchases in calibration: actual vs model")
    ax.legend()
    return ax


# --------------------------------------------------------------------------- customer value and segments

def plot_concentration(values: pd.Series, top: float = 0.2, ax: Axes | None = None) -> Axes:
    """Pareto curve (share of value of the best customers) with the "top x % bring y %" point and the diagonal."""
    from .value import gini, pareto_curve, top_share

    curve = pareto_curve(values)
    share = top_share(values, top)
    ax = _axes(ax)
    ax.plot(curve["customer_share"], curve["value_share"], color=sns.color_palette()[0],
            label="customers ranked by value")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="all customers equal")
    ax.scatter([top], [share], color=sns.color_palette()[3], zorder=3)
    ax.annotate(f"top {top:.0%} bring {share:.0%}", (top, share), textcoords="offset points", xytext=(10, -15))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    title = f"Concentration of value (Gini {gini(values):.2f})" if (values >= 0).all() else "Concentration of value"
    ax.set(xlabel="share of customers (best first)", ylabel="share of value", title=title)
    ax.legend(loc="lower right")
    return ax


def plot_whale_curve(profit: pd.Series, ax: Axes | None = None) -> Axes:
    """Whale curve: cumulative profit (share of total) as customers are added from most to least profitable."""
    from .value import whale_curve

    curve = whale_curve(profit)
    peak = curve["profit_share"].idxmax()
    ax = _axes(ax)
    ax.plot(curve["customer_share"], curve["profit_share"], color=sns.color_palette()[0])
    ax.axhline(1.0, color="grey", linestyle=":")
    ax.scatter([curve.loc[peak, "customer_share"]], [curve.loc[peak, "profit_share"]], color=sns.color_palette()[3])
    ax.annotate(f"peak {curve.loc[peak, 'profit_share']:.0%} at {curve.loc[peak, 'customer_share']:.0%} of customers",
                (curve.loc[peak, "customer_share"], curve.loc[peak, "profit_share"]), textcoords="offset points",
                xytext=(-160, 8))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel="share of customers (most profitable first)", ylabel="cumulative share of total profit",
           title="Whale curve of customer profitability")
    return ax


def plot_class_shares(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Share of customers against share of value per class (an ABC or segment table)."""
    value_column = "value_share" if "value_share" in table else "revenue_share"
    positions = np.arange(len(table))
    ax = _axes(ax)
    ax.bar(positions - 0.2, table["customer_share"], width=0.4, label="share of customers", color="grey")
    ax.bar(positions + 0.2, table[value_column], width=0.4, label="share of value", color=sns.color_palette()[0])
    ax.set_xticks(positions, [str(i) for i in table.index], rotation=30 if len(table) > 4 else 0, ha="right"
                  if len(table) > 4 else "center")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(ylabel="share", title="Customers and the value they bring, by class")
    ax.legend()
    return ax


def plot_behaviour_matrix(rfm: pd.DataFrame, segments: pd.Series, ax: Axes | None = None) -> Axes:
    """Purchases against mean spend per purchase (log scales) of an RFM table, coloured by quadrant."""
    spend = rfm["revenue"] / rfm["purchases"].clip(lower=1)
    ax = _axes(ax, size=(7, 5))
    sns.scatterplot(x=rfm["purchases"], y=spend.clip(lower=0.01), hue=segments.reindex(rfm.index), ax=ax, s=12,
                    alpha=0.6, linewidth=0)
    ax.axvline(rfm["purchases"].median(), color="grey", linestyle=":")
    ax.axhline(spend.median(), color="grey", linestyle=":")
    ax.set(xscale="log", yscale="log", xlabel="purchase frequency", ylabel="mean spend per purchase",
           title="Customer behaviour matrix")
    return ax


def plot_lifecycle_mix(mix: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Stacked shares of customers in each life-cycle stage at each snapshot."""
    ax = _axes(ax)
    ax.stackplot(mix.index, mix.T.to_numpy(), labels=list(mix.columns), alpha=0.85)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(ylim=(0, 1), xlabel="snapshot", ylabel="share of customers", title="Life-cycle stage mix over time")
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_cluster_diagnostics(result, ax: Axes | None = None) -> Axes:
    """Silhouette score by number of clusters (and inertia or BIC on the right axis), the chosen k marked."""
    diagnostics = result.diagnostics
    ax = _axes(ax)
    ax.plot(diagnostics.index, diagnostics["silhouette"], marker="o", label="silhouette")
    ax.axvline(result.n_clusters, color="grey", linestyle=":", label=f"chosen k = {result.n_clusters}")
    other = "inertia" if "inertia" in diagnostics else "bic"
    right = ax.twinx()
    right.plot(diagnostics.index, diagnostics[other], marker="s", color=sns.color_palette()[1], label=other)
    right.set(ylabel=other)
    ax.set(xlabel="number of clusters k", ylabel="silhouette score", title="Choosing the number of clusters")
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper right")
    return ax


def plot_migration(matrix: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Heat map of a segment migration matrix (rows: before, columns: after)."""
    ax = _axes(ax, size=(8, 6))
    fmt = ".0%" if matrix.to_numpy().max() <= 1 else ",d"
    sns.heatmap(matrix, annot=True, fmt=fmt, cmap="Blues", cbar=False, ax=ax)
    ax.set(xlabel="segment after", ylabel="segment before", title="Segment migration")
    return ax


def plot_ipma(table: pd.DataFrame, target: str = "", ax: Axes | None = None) -> Axes:
    """Importance-performance map: importance (total effect) against performance (0-100), with mean cross-hairs."""
    ax = _axes(ax)
    ax.scatter(table["importance"], table["performance"], s=60, color=sns.color_palette()[0])
    for name, row in table.iterrows():
        ax.annotate(str(name), (row["importance"], row["performance"]), textcoords="offset points", xytext=(5, 5))
    ax.axvline(table["importance"].mean(), color="grey", linestyle=":")
    ax.axhline(table["performance"].mean(), color="grey", linestyle=":")
    ax.set(xlabel="importance (total effect, 0-100 metric)", ylabel="performance (mean index, 0-100)",
           title=f"Importance-performance map{' for ' + target if target else ''}")
    return ax


def plot_kano(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Better-Worse diagram of a Kano table: |Worse| along x, Better along y, quadrants at 0.5."""
    ax = _axes(ax, size=(6, 6))
    sns.scatterplot(x=table["worse"].abs(), y=table["better"], hue=table["category"], s=70, ax=ax)
    for name, row in table.iterrows():
        ax.annotate(str(name), (abs(row["worse"]), row["better"]), textcoords="offset points", xytext=(5, 4),
                    fontsize=8)
    ax.axvline(0.5, color="grey", linestyle=":")
    ax.axhline(0.5, color="grey", linestyle=":")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="|Worse| (dissatisfaction when absent)",
           ylabel="Better (satisfaction when present)", title="Kano Better-Worse diagram")
    return ax


def plot_importance_performance(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Importance-performance grid with its cross-hairs, attributes coloured by zone."""
    ax = _axes(ax, size=(7, 6))
    sns.scatterplot(x=table["performance"], y=table["importance"], hue=table["zone"], s=70, ax=ax)
    for name, row in table.iterrows():
        ax.annotate(str(name), (row["performance"], row["importance"]), textcoords="offset points", xytext=(5, 4),
                    fontsize=8)
    ax.axvline(table.attrs.get("performance_cut", table["performance"].mean()), color="grey", linestyle=":")
    ax.axhline(table.attrs.get("importance_cut", table["importance"].mean()), color="grey", linestyle=":")
    ax.set(xlabel="performance (mean rating)", ylabel="importance", title="Importance-performance analysis")
    return ax


def plot_value_map(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Gale's customer value map: quality ratio against price ratio, with the fair-value line."""
    ax = _axes(ax, size=(6, 6))
    low = min(table["quality_ratio"].min(), table["price_ratio"].min()) * 0.9
    high = max(table["quality_ratio"].max(), table["price_ratio"].max()) * 1.1
    ax.plot([low, high], [low, high], color="grey", linestyle="--", label="fair-value line")
    ax.scatter(table["quality_ratio"], table["price_ratio"], s=70, color=sns.color_palette()[0])
    for name, row in table.iterrows():
        ax.annotate(str(name), (row["quality_ratio"], row["price_ratio"]), textcoords="offset points", xytext=(5, 4))
    ax.set(xlim=(low, high), ylim=(low, high), xlabel="market-perceived quality ratio",
           ylabel="market-perceived price ratio", title="Customer value map (better value below the line)")
    ax.legend(loc="upper left")
    return ax


def plot_path_coefficients(result, boot=None, ax: Axes | None = None) -> Axes:
    """Path coefficients of a PLS model as horizontal bars, with bootstrap percentile intervals when given."""
    paths = result.paths()
    labels = [f"{a} → {b}" for a, b in zip(paths["from"], paths["to"], strict=True)]
    ax = _axes(ax, size=(7, 0.45 * len(labels) + 1.5))
    positions = np.arange(len(labels))[::-1]
    ax.barh(positions, paths["coefficient"], color=sns.color_palette()[0], alpha=0.8)
    if boot is not None:
        table = boot.paths
        lower = table.filter(like="lower").iloc[:, 0].to_numpy()
        upper = table.filter(like="upper").iloc[:, 0].to_numpy()
        ax.errorbar(paths["coefficient"], positions, xerr=[paths["coefficient"] - lower, upper - paths["coefficient"]],
                    fmt="none", color="black", capsize=3, label=f"{boot.level:.0%} bootstrap interval")
        ax.legend(loc="lower right")
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(positions, labels)
    ax.set(xlabel="path coefficient", title="Structural model: path coefficients")
    return ax


def plot_satisfaction_loyalty(fit, satisfaction: pd.Series, loyalty: pd.Series, ax: Axes | None = None) -> Axes:
    """Respondents, the fitted satisfaction-loyalty curve and, for a piecewise fit, the zone of indifference."""
    ax = _axes(ax)
    ax.scatter(satisfaction, loyalty, s=8, alpha=0.35, color="grey", label="respondents")
    ax.plot(fit.grid["satisfaction"], fit.grid["loyalty"], color=sns.color_palette()[0], linewidth=2.5,
            label=f"{fit.kind} fit")
    if len(fit.thresholds) == 2:
        ax.axvspan(*fit.thresholds, color=sns.color_palette()[1], alpha=0.15, label="zone of indifference")
    ax.set(xlabel="satisfaction", ylabel="loyalty",
           title=f"Satisfaction-loyalty curve (non-linearity p = {fit.nonlinearity_p_value:.2g})")
    ax.legend(loc="upper left")
    return ax


def plot_gain(gains: dict[str, pd.DataFrame], ax: Axes | None = None, lang: str = "en") -> Axes:
    """Cumulative gain chart: share of churners caught against share of customers contacted, per score."""
    ax = _axes(ax, size=(6, 5))
    for name, table in gains.items():
        ax.plot(np.r_[0, table["customers_share"]], np.r_[0, table["gain"]], marker="o", markersize=3,
                label=term(name, lang))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label=term("random order", lang))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel=term("customers contacted (highest churn score first)", lang),
           ylabel=term("share of all churners reached", lang), title=term("Gain chart on the holdout", lang))
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_clv_components(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Stacked bars of expected discounted margin per period by source (:func:`crmlab.economics.clv_components`).

    Positive sources stack upwards from 0, costs (the retention cost, negative word of mouth) downwards.
    """
    from .economics import COMPONENT_LABELS

    ax = _axes(ax)
    parts = table.drop(columns="total", errors="ignore")
    parts = parts.loc[:, (parts != 0).any()]
    up, down = np.zeros(len(parts)), np.zeros(len(parts))
    for colour, column in zip(sns.color_palette(n_colors=len(parts.columns)), parts.columns, strict=True):
        values = parts[column].to_numpy()
        base = np.where(values >= 0, up, down)
        ax.bar(parts.index, values, bottom=base, color=colour, label=term(COMPONENT_LABELS.get(column, column), lang))
        up, down = np.where(values >= 0, up + values, up), np.where(values < 0, down + values, down)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set(xlabel=term("period of the relationship", lang), ylabel=term("expected discounted margin", lang),
           title=term("Where a customer's lifetime value comes from", lang))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize="small")
    return ax


def plot_retention_projection(model, survivors, horizon: int, ax: Axes | None = None, lang: str = "en",
                              cohort: str | None = None) -> Axes:
    """Observed survivor shares and the sBG projection beyond the fitted periods (Fader & Hardie 2007, fig. 3).

    ``cohort`` names the cohort in the title (a term of the catalogues, e.g. "regular").
    """
    observed = np.asarray(survivors, dtype="float64")
    share = observed / observed[0]
    t = np.arange(horizon + 1)
    ax = _axes(ax)
    ax.plot(np.arange(len(share)), share, marker="o", linestyle="", color="black", label=term("observed", lang))
    ax.plot(t, model.survival(t), color=sns.color_palette()[0], label="sBG")
    ax.axvline(len(share) - 1, color="grey", linestyle=":", label=term("end of the data", lang))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    title = (term("Retention: data and projection", lang) if cohort is None
             else message("retention_projection_title", lang, cohort=term(cohort, lang)))
    ax.set(xlabel=term("period", lang), ylabel=term("share of the cohort still a customer", lang), title=title)
    ax.legend()
    return ax


def plot_retention_uplift(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Heat map of the CLV gain from +x points of retention (:func:`crmlab.economics.retention_uplift`)."""
    ax = _axes(ax, size=(6, 4))
    labels = table.map(lambda v: "" if pd.isna(v) else f"{v:.0%}")
    sns.heatmap(table.astype("float64"), annot=labels, fmt="", cmap="viridis",
                cbar_kws={"format": PercentFormatter(1.0)}, ax=ax)
    ax.set(xlabel=term("discount rate", lang), ylabel=term("retention rate", lang),
           title=term("CLV gain from higher retention", lang))
    return ax


# --------------------------------------------------------------------------- business case and growth (09, 08)

def plot_leaking_bucket(revenue: float, turnover_rate: float, market_growth: float, acquisition_rates,
                        years: int = 5, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Revenue over ``years`` for each acquisition rate a, against the market's pace (教材 002, 案例二).

    R_t = R (1 − c + a)^t for turnover c, against R (1 + g)^t for market growth g
    (:func:`crmlab.economics.leaking_bucket` is one year of it).
    """
    from .economics import leaking_bucket

    first = leaking_bucket(revenue, turnover_rate, market_growth)
    if int(years) != years or years < 1:
        raise DataError(f"years must be a whole number >= 1, got {years!r}")
    t = np.arange(int(years) + 1)
    ax = _axes(ax)
    ax.plot(t, first["revenue"] * (1 + market_growth) ** t, color="black", linestyle="--",
            label=message("market_pace_line", lang, growth=market_growth))
    for colour, rate in zip(sns.color_palette(n_colors=len(acquisition_rates)), acquisition_rates, strict=True):
        step = leaking_bucket(revenue, turnover_rate, market_growth, acquisition_rate=rate)
        ax.plot(t, first["revenue"] * (step["revenue_next_year"] / first["revenue"]) ** t, marker="o",
                color=colour, label=message("acquisition_rate_line", lang, rate=rate))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:,.0f}"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel=term("year", lang), ylabel=term("revenue", lang),
           title=message("leaking_bucket_title", lang, turnover=turnover_rate))
    ax.legend(fontsize="small")
    return ax


def plot_relationship_growth(growth, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Waterfall from period-1 to period-2 revenue through breadth, length and depth (教材 000).

    ``growth`` is :func:`crmlab.growth.relationship_growth`; the bars are its :meth:`waterfall` steps, coloured by
    growth dimension (宽度, 远度, 深度).
    """
    from .growth import RelationshipGrowth

    if not isinstance(growth, RelationshipGrowth):
        raise ColumnTypeError(f"plot_relationship_growth draws crmlab.growth.relationship_growth(...), got "
                              f"{type(growth).__name__}")
    steps = growth.waterfall()
    steps = steps[(steps["revenue"] != 0) | (steps["dimension"] == "total")]
    colours = {"total": "grey", "breadth": sns.color_palette()[0], "length": sns.color_palette()[3],
               "depth": sns.color_palette()[2]}
    ax = _axes(ax, size=(9, 4))
    level = 0.0
    for position, (_, row) in enumerate(steps.iterrows()):
        if row["dimension"] == "total":
            bottom, height, level = 0.0, row["revenue"], row["revenue"]
        else:
            bottom, height = level, row["revenue"]
            level += height
        ax.bar(position, height, bottom=bottom, color=colours[row["dimension"]])
        ax.annotate(f"{row['revenue']:+,.0f}" if row["dimension"] != "total" else f"{row['revenue']:,.0f}",
                    (position, max(bottom, bottom + height)), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(steps)), [term(step, lang).replace("_", " ") for step in steps.index], rotation=30,
                  ha="right")
    ax.set_ylim(top=ax.get_ylim()[1] * 1.08)
    for dimension in ("breadth", "length", "depth"):
        ax.bar(0, 0, color=colours[dimension], label=term(dimension, lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:,.0f}"))
    ax.set(ylabel=term("revenue", lang), title=message("relationship_growth_title", lang,
                                                        start=growth.period_1[0].date(), end=growth.period_2[1].date()))
    ax.legend(fontsize="small")
    return ax


def _boxes(ax: Axes, labels: list[str], *, y: float = 0.5, arrows: bool = True) -> list[tuple[float, float]]:
    """Boxes with the given labels (wrapped), evenly spaced on a line, joined by arrows; returns their centres."""
    n = len(labels)
    centres = [((i + 0.5) / n, y) for i in range(n)]
    for (x, yy), label in zip(centres, labels, strict=True):
        ax.text(x, yy, textwrap.fill(label, 16), ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.5", "facecolor": sns.color_palette("pastel")[0], "edgecolor": "grey"})
    if arrows:
        for (x0, y0), (x1, _) in zip(centres[:-1], centres[1:], strict=True):
            ax.annotate("", xy=(x1 - 0.42 / n, y0), xytext=(x0 + 0.42 / n, y0),
                        arrowprops={"arrowstyle": "->", "color": "black"})
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.axis("off")
    return centres


def plot_crm_process(ax: Axes | None = None, lang: str = "en") -> Axes:
    """The CRM basic process of 教材 004 §2.4.1 (图2-1 CRM的基本流程; the file keeps only its caption and the five
    steps): customer analysis → understanding target customers → developing network relationships → delivering
    customer value → managing customer relationships."""
    steps = ["customer analysis", "understand target customers", "develop network relationships",
             "deliver customer value", "manage customer relationships"]
    ax = _axes(ax, size=(11, 1.8))
    _boxes(ax, [term(step, lang) for step in steps])
    ax.set_title(term("The CRM basic process", lang))
    return ax


def plot_crm_kinds(ax: Axes | None = None, lang: str = "en") -> Axes:
    """Operational, analytical and collaborative CRM and how they feed each other (教材 004 §2.3.2, Meta Group).

    Operational (front office) collects sales, marketing and service data → analytical (back office) turns them
    into information, knowledge and forecasts → collaborative (channels, the call centre) takes the results back
    to the customer, whose responses operational CRM records again.
    """
    kinds = ["operational CRM (front office)", "analytical CRM (back office)", "collaborative CRM (channels)"]
    ax = _axes(ax, size=(10, 2.8))
    centres = _boxes(ax, [term(kind, lang) for kind in kinds], y=0.72)
    for (x, _), note in zip(centres, ["collects sales, marketing and service data",
                                      "turns data into information, knowledge and forecasts",
                                      "interacts with customers through every channel"], strict=True):
        ax.text(x, 0.42, textwrap.fill(term(note, lang), 30), ha="center", va="center", fontsize=8)
    ax.annotate("", xy=(centres[0][0], 0.12), xytext=(centres[-1][0], 0.12),
                arrowprops={"arrowstyle": "->", "color": "grey"})
    ax.text(0.5, 0.16, term("customers' responses are recorded again", lang), ha="center", va="bottom", fontsize=8,
            color="grey")
    ax.set_title(term("Three kinds of CRM", lang))
    return ax


def plot_retention_claims(discount_rates=(0.0, 0.05, 0.10), uplift: float = 0.05, ax: Axes | None = None,
                          lang: str = "en") -> Axes:
    """CLV gain from ``uplift`` more points of retention against the retention rate, with the chapters' claims.

    One curve per discount rate ((r + u)(1 + d − r) / (r (1 + d − r − u)) − 1, see
    :func:`crmlab.economics.retention_for_uplift`) and a dotted line at each gain the chapters quote
    (:data:`crmlab.economics.RETENTION_CLAIMS`): where a curve crosses a line, CLV arithmetic and claim agree.
    """
    from .economics import RETENTION_CLAIMS, retention_uplift

    rates = np.round(np.arange(0.40, 1 - uplift - 1e-9, 0.005), 3)  # r + u < 1: CLV finite at d = 0
    table = retention_uplift(rates, list(discount_rates), uplift=uplift)
    ax = _axes(ax)
    for colour, d in zip(sns.color_palette(n_colors=len(discount_rates)), table.columns, strict=True):
        ax.plot(table.index, table[d], color=colour, label=message("discount_rate_line", lang, rate=d))
    gains = sorted({g for *_, low, high in RETENTION_CLAIMS for g in (low, high)})
    for gain in gains:
        ax.axhline(gain, color="grey", linestyle=":", linewidth=0.8)
        ax.annotate(f"{gain:.0%}", (rates[0], gain), va="bottom", fontsize=8, color="grey")
    ax.set_ylim(0, max(gains) * 1.15)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel=term("retention rate", lang), ylabel=message("clv_gain_axis", lang, uplift=uplift),
           title=term("The chapters' retention claims against CLV arithmetic", lang))
    ax.legend(fontsize="small", loc="lower right")
    return ax


def plot_snapshot_survival(model, tenure, churned, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Share still a customer after t periods: the snapshot's life table (:func:`crmlab.churn.life_table`) and a
    fitted sBG model's survival curve (:meth:`ShiftedBetaGeometric.survival`)."""
    from .churn import life_table

    table = life_table(tenure, churned)
    ax = _axes(ax)
    ax.plot(table.index, table["survival"], color="black", label=term("life table of the snapshot", lang))
    ax.plot(table.index, model.survival(table.index.to_numpy()), label="sBG")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel=term("periods of tenure", lang), ylabel=term("share still a customer", lang),
           title=term("Snapshot survival: life table and sBG", lang))
    ax.legend()
    return ax


def plot_relationship_depth(depth: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Product types bought against spend, one dot per customer, on log scales.

    ``depth`` is :func:`crmlab.basket.relationship_depth` with a ``category_col``.
    """
    if "categories" not in depth.columns or "spend" not in depth.columns:
        raise MissingColumnError("plot_relationship_depth needs 'categories' and 'spend' from "
                                 "crmlab.basket.relationship_depth(..., category_col=...)")
    shown = depth[(depth["spend"] > 0) & (depth["categories"] > 0)]
    ax = _axes(ax)
    ax.scatter(shown["categories"], shown["spend"], alpha=0.3, s=8)
    ax.set(xscale="log", yscale="log", xlabel=term("product types bought", lang), ylabel=term("spend", lang),
           title=term("Depth of the relationship against spend", lang))
    return ax
