"""Every figure of the lab.

Each function draws on the Axes it is given (a new one when ``ax`` is None),
returns that Axes, and touches no global pyplot state, so figures compose into
subplots and notebooks stay in control of layout. Colours follow seaborn's
default palette.

Chinese text renders on any machine: the lab ships a CJK font (``crmlab/fonts``, a subset
of Noto Sans CJK SC under the SIL Open Font License), which every plot function uses as
the fallback after DejaVu Sans, inside its own ``matplotlib.rc_context`` (:func:`lab_fonts`);
:func:`use_lab_fonts` makes it the default for a whole session, for one's own plots.
"""

from __future__ import annotations

import functools
import textwrap
from contextlib import contextmanager
from importlib import resources

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from .errors import ColumnTypeError, DataError, MissingColumnError
from .frames import table_info, unit_name
from .i18n import check_lang, message, term, translate
from .quality import DROP_REASONS, DataQualityReport
from .units import DAYS_PER_UNIT

__all__ = ["LAB_FONT_FAMILY", "lab_fonts", "use_lab_fonts",
           "plot_dropped_rows", "plot_monthly_activity", "plot_repeat_purchases", "plot_frequency_recency_matrix",
           "plot_p_alive_matrix", "plot_calibration_vs_holdout", "plot_tracking", "plot_repeat_purchase_histogram",
           "plot_concentration", "plot_whale_curve", "plot_class_shares", "plot_behaviour_matrix", "plot_lifecycle_mix",
           "plot_cluster_diagnostics", "plot_migration", "plot_ipma", "plot_kano", "plot_importance_performance",
           "plot_value_map", "plot_path_coefficients", "plot_satisfaction_loyalty", "plot_gain",
           "plot_clv_components", "plot_retention_projection", "plot_retention_uplift", "plot_simple_slopes",
           "plot_leaking_bucket", "plot_relationship_growth", "plot_crm_process", "plot_crm_kinds",
           "plot_retention_claims", "plot_snapshot_survival", "plot_relationship_depth"]


#: Fonts of every figure, in order of preference for each character: Latin from DejaVu Sans (matplotlib's own),
#: Chinese from the lab's CJK font.
LAB_FONT_FAMILY = ["DejaVu Sans", "Crmlab Sans SC"]


@functools.cache
def _register_lab_font() -> None:
    """Add the bundled CJK font to matplotlib's font manager (once per process)."""
    from matplotlib import font_manager

    with resources.as_file(resources.files("crmlab").joinpath("fonts", "CrmlabSansSC-Regular.otf")) as path:
        font_manager.fontManager.addfont(str(path))


@contextmanager
def lab_fonts():
    """A context in which new figure text uses :data:`LAB_FONT_FAMILY` (Chinese labels render, no glyph warnings).

    Only ``font.family`` is set and restored: ``matplotlib.rc_context`` would also restore settings that a
    backend changes while the context is open (the inline backend turns ``interactive`` on when the first
    figure is made), and later figures would then not show in a notebook.
    """
    _register_lab_font()
    previous = mpl.rcParams["font.family"]
    mpl.rcParams["font.family"] = LAB_FONT_FAMILY
    try:
        yield
    finally:
        mpl.rcParams["font.family"] = previous


def use_lab_fonts() -> None:
    """Make :data:`LAB_FONT_FAMILY` the session's default font (for figures drawn outside crmlab)."""
    _register_lab_font()
    mpl.rcParams["font.family"] = LAB_FONT_FAMILY


def _figure(function):
    """Run a plot function inside :func:`lab_fonts`, so every text it creates can show Chinese."""
    @functools.wraps(function)
    def draw(*args, **kwargs):
        with lab_fonts():
            return function(*args, **kwargs)
    return draw


def _axes(ax: Axes | None, size=(7, 4)) -> Axes:
    """The caller's Axes, its existing texts switched to the lab's fonts, or a new Axes of ``size``.

    An Axes made before the plot function ran (``plt.subplots`` in a notebook) already holds its title,
    axis labels and tick labels as texts in the session's font; they are given the lab's fonts too.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=size, layout="constrained")
        return ax
    for text in ax.findobj(Text):
        text.set_fontfamily(LAB_FONT_FAMILY)
    ax.tick_params(labelfontfamily=LAB_FONT_FAMILY)  # and the ticks it makes later
    return ax


@_figure
def plot_dropped_rows(report: DataQualityReport, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Horizontal bars of the rows :func:`crmlab.transactions.clean` dropped, per reason, with shares of the input."""
    check_lang(lang)
    counts = report.dropped_by_reason()
    ax = _axes(ax)
    labels = [term(DROP_REASONS[key], lang) for key in counts.index]
    sns.barplot(x=counts.to_numpy(), y=labels, ax=ax, color=sns.color_palette()[3], orient="h")
    for patch, n in zip(ax.patches, counts.to_numpy(), strict=True):
        ax.annotate(f" {n:,} ({n / report.rows_in:.1%})", (patch.get_width(), patch.get_y() + patch.get_height() / 2),
                    va="center", fontsize=9)
    ax.set(xlabel=term("rows dropped", lang), ylabel="",
           title=message("plot_dropped_rows_title", lang, dropped=sum(counts), rows=report.rows_in,
                         kept=report.rows_kept))
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.margins(x=0.35)
    return ax


@_figure
def plot_monthly_activity(transactions: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Revenue (bars, left axis) and active customers (line, right axis) per calendar month of a clean log."""
    check_lang(lang)
    months = transactions["date"].dt.to_period("M")
    monthly = transactions.groupby(months).agg(revenue=("amount", "sum"), customers=("customer_id", "nunique"))
    ax = _axes(ax, size=(8, 4))
    labels = monthly.index.strftime("%Y-%m")
    ax.bar(labels, monthly["revenue"], color=sns.color_palette()[0], alpha=0.8, label=term("revenue", lang))
    ax.set(ylabel=term("revenue", lang), xlabel=term("month", lang),
           title=term("Revenue and active customers per month", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.tick_params(axis="x", labelrotation=90)
    right = ax.twinx()
    right.plot(labels, monthly["customers"], color=sns.color_palette()[1], marker="o",
               label=term("active customers", lang))
    right.set(ylabel=term("active customers", lang))
    right.set_ylim(bottom=0)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left")
    return ax


@_figure
def plot_repeat_purchases(summary: pd.DataFrame, max_frequency: int = 10, ax: Axes | None = None,
                          lang: str = "en") -> Axes:
    """Share of customers by number of repeat purchases (``frequency``), the last bar pooling ``max_frequency``+."""
    check_lang(lang)
    if "frequency" not in summary:
        raise MissingColumnError("summary has no 'frequency' column; pass the output of crmlab.customer_summary")
    clipped = summary["frequency"].clip(upper=max_frequency)
    shares = clipped.value_counts(normalize=True).reindex(range(max_frequency + 1), fill_value=0.0)
    labels = [str(k) for k in shares.index[:-1]] + [f"{max_frequency}+"]
    ax = _axes(ax)
    ax.bar(labels, shares.to_numpy(), color=sns.color_palette()[2])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel=term("repeat purchases in the period", lang), ylabel=term("share of customers", lang),
           title=message("plot_repeat_purchases_title", lang, customers=len(summary)))
    return ax


# --------------------------------------------------------------------------- customer-base models

def _grid_summary(max_frequency: int, max_recency: float, T: float) -> pd.DataFrame:
    frequency, recency = np.meshgrid(np.arange(max_frequency + 1), np.linspace(0, max_recency, 41))
    grid = pd.DataFrame({"frequency": frequency.ravel(), "recency": recency.ravel(), "T": T})
    grid.loc[grid["frequency"] == 0, "recency"] = 0.0
    return grid


def _matrix(values: pd.Series, grid: pd.DataFrame, ax, title, label, cmap, unit: str, lang: str):
    table = pd.DataFrame({"frequency": grid["frequency"], "recency": grid["recency"], "v": values.to_numpy()})
    table = table[(table["frequency"] > 0) | (table["recency"] == 0)].drop_duplicates(["frequency", "recency"])
    matrix = table.pivot(index="recency", columns="frequency", values="v").sort_index(ascending=False)
    image = ax.imshow(matrix.to_numpy(), aspect="auto", cmap=cmap, interpolation="nearest",
                      extent=(-0.5, matrix.columns.max() + 0.5, 0, matrix.index.max()))
    ax.figure.colorbar(image, ax=ax, label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # purchases are whole numbers
    ax.set(xlabel=term("repeat purchases x", lang), ylabel=message("plot_recency_axis", lang, unit=unit), title=title)
    return ax


def _model_time_unit(model, lang: str) -> str:
    """The unit a customer-base model was fitted in, in words of ``lang`` ("weeks", 周; BG/BB's "opportunities")."""
    unit = getattr(model, "time_unit_", None)
    return unit_name(unit, lang) if unit in DAYS_PER_UNIT else term(model.time_unit_label, lang)


@_figure
def plot_frequency_recency_matrix(model, t: float = 1.0, max_frequency: int = 20, T: float | None = None,
                                  ax: Axes | None = None, lang: str = "en") -> Axes:
    """Expected purchases in the next ``t`` time units (the model's) for every (frequency, recency) of a customer
    observed for T; labels in ``lang``."""
    check_lang(lang)
    T = float(T if T is not None else 40.0)
    grid = _grid_summary(max_frequency, T, T)
    ax = _axes(ax)
    unit = _model_time_unit(model, lang)
    return _matrix(model.expected_purchases(t, grid), grid, ax,
                   message("plot_expected_purchases_matrix_title", lang, t=t, T=T, unit=unit),
                   term("expected purchases", lang), "viridis", unit, lang)


@_figure
def plot_p_alive_matrix(model, max_frequency: int = 20, T: float | None = None, ax: Axes | None = None,
                        lang: str = "en") -> Axes:
    """P(alive) for every (frequency, recency) of a customer observed for T time units; labels in ``lang``."""
    check_lang(lang)
    T = float(T if T is not None else 40.0)
    grid = _grid_summary(max_frequency, T, T)
    ax = _axes(ax)
    unit = _model_time_unit(model, lang)
    return _matrix(model.p_alive(grid), grid, ax, message("plot_p_alive_matrix_title", lang, T=T, unit=unit),
                   term("P(alive)", lang), "RdYlGn", unit, lang)


@_figure
def plot_calibration_vs_holdout(evaluation, split: pd.DataFrame, max_frequency: int = 7,
                                ax: Axes | None = None, lang: str = "en") -> Axes:
    """Mean holdout purchases by calibration frequency: actual, model and naive baseline (labels in ``lang``).

    :func:`plot_holdout_by_recency` groups the same customers by calibration recency.
    """
    check_lang(lang)
    table = evaluation.per_customer.assign(group=split["frequency_cal"].clip(upper=max_frequency))
    means = table.groupby("group")[["actual", "predicted", "baseline"]].mean()
    labels = [str(k) for k in means.index[:-1]] + [f"{means.index[-1]}+"]
    return _conditional_means(_axes(ax), means, labels, term("repeat purchases in calibration", lang),
                              term("Conditional expectations: holdout purchases by calibration frequency", lang), lang)


@_figure
def plot_tracking(tracking: pd.DataFrame, cumulative: bool = True, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Actual vs expected repeat purchases per period (or cumulative), calibration end marked; labels in ``lang``."""
    check_lang(lang)
    actual, expected = ("actual_cumulative", "expected_cumulative") if cumulative else ("actual", "expected")
    ax = _axes(ax, size=(8, 4))
    ax.plot(tracking.index, tracking[actual], color="black", label=term("actual", lang))
    ax.plot(tracking.index, tracking[expected], color=sns.color_palette()[0], linestyle="--",
            label=term("model", lang))
    holdout = tracking.index[tracking["holdout"].to_numpy()]
    if len(holdout):
        ax.axvline(holdout[0] - 0.5, color="grey", linestyle=":", label=term("end of calibration", lang))
    unit = tracking.attrs.get("time_unit")
    ax.set(xlabel=message("plot_tracking_time_axis", lang, unit=unit_name(unit, lang)) if unit
           else term("period", lang),
           ylabel=term("cumulative repeat purchases" if cumulative else "repeat purchases", lang),
           title=term("Cumulative repeat purchases: actual vs model" if cumulative
                      else "Period-by-period repeat purchases: actual vs model", lang))
    ax.legend()
    return ax


@_figure
def plot_repeat_purchase_histogram(model, summary: pd.DataFrame, max_frequency: int = 7,
                                   ax: Axes | None = None, lang: str = "en") -> Axes:
    """Number of customers by repeat purchases in their observation period: actual vs the model's expectation.

    The model's count for x purchases is Σ_i P(X(T_i) = x) over the customers' observation lengths T_i.
    Labels in ``lang``.
    """
    check_lang(lang)
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
    ax.bar(positions - 0.2, actual.to_numpy(), width=0.4, label=term("actual", lang), color="grey")
    ax.bar(positions + 0.2, expected, width=0.4, label=term("model", lang), color=sns.color_palette()[0])
    ax.set_xticks(positions, labels)
    ax.set(xlabel=term("repeat purchases", lang), ylabel=term("customers", lang),
           title=term("Repeat purchases in calibration: actual vs model", lang))
    ax.legend()
    return ax


# --------------------------------------------------------------------------- customer value and segments

@_figure
def plot_concentration(values: pd.Series, top: float = 0.2, ax: Axes | None = None, lang: str = "en",
                       title: str | None = None) -> Axes:
    """Pareto curve (share of value of the best customers) with the "top x % bring y %" point and the diagonal.

    ``title`` replaces the default title (give it in ``lang``, e.g. a data set's name).
    """
    from .value import gini, pareto_curve, top_share

    check_lang(lang)
    curve = pareto_curve(values)
    share = top_share(values, top)
    ax = _axes(ax)
    ax.plot(curve["customer_share"], curve["value_share"], color=sns.color_palette()[0],
            label=term("customers ranked by value", lang))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label=term("all customers equal", lang))
    ax.scatter([top], [share], color=sns.color_palette()[3], zorder=3)
    ax.annotate(message("plot_top_share", lang, top=top, share=share), (top, share), textcoords="offset points",
                xytext=(10, -15))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    gini_title = message("plot_concentration_title", lang, gini=gini(values)) if (values >= 0).all() \
        else term("Concentration of value", lang)
    ax.set(xlabel=term("share of customers (best first)", lang), ylabel=term("share of value", lang),
           title=gini_title if title is None else title)
    ax.legend(loc="lower right")
    return ax


@_figure
def plot_whale_curve(profit: pd.Series, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Whale curve: cumulative profit (share of total) as customers are added from most to least profitable."""
    from .value import whale_curve

    check_lang(lang)
    curve = whale_curve(profit)
    peak = curve["profit_share"].idxmax()
    ax = _axes(ax)
    ax.plot(curve["customer_share"], curve["profit_share"], color=sns.color_palette()[0])
    ax.axhline(1.0, color="grey", linestyle=":")
    ax.scatter([curve.loc[peak, "customer_share"]], [curve.loc[peak, "profit_share"]], color=sns.color_palette()[3])
    right_half = curve.loc[peak, "customer_share"] > 0.5  # the label sits below the peak, towards the middle
    ax.annotate(message("plot_whale_peak", lang, peak=curve.loc[peak, "profit_share"],
                        share=curve.loc[peak, "customer_share"]),
                (curve.loc[peak, "customer_share"], curve.loc[peak, "profit_share"]), textcoords="offset points",
                xytext=(-8 if right_half else 8, -10), ha="right" if right_half else "left", va="top")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel=term("share of customers (most profitable first)", lang),
           ylabel=term("cumulative share of total profit", lang),
           title=term("Whale curve of customer profitability", lang))
    return ax


@_figure
def plot_class_shares(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en",
                      title: str | None = None) -> Axes:
    """Share of customers against share of value per class (an ABC or segment table).

    Class labels are shown in ``lang``; ``title`` replaces the default title (give it in ``lang``).
    """
    check_lang(lang)
    value_column = "value_share" if "value_share" in table else "revenue_share"
    positions = np.arange(len(table))
    ax = _axes(ax)
    ax.bar(positions - 0.2, table["customer_share"], width=0.4, label=term("share of customers", lang), color="grey")
    ax.bar(positions + 0.2, table[value_column], width=0.4, label=term("share of value", lang),
           color=sns.color_palette()[0])
    ax.set_xticks(positions, [str(term(i, lang)) for i in table.index], rotation=30 if len(table) > 4 else 0,
                  ha="right" if len(table) > 4 else "center")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(ylabel=term("share", lang),
           title=term("Customers and the value they bring, by class", lang) if title is None else title)
    ax.legend()
    return ax


@_figure
def plot_behaviour_matrix(rfm: pd.DataFrame, segments: pd.Series, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Purchases against mean spend per purchase (log scales) of an RFM table, coloured by quadrant (in ``lang``)."""
    check_lang(lang)
    spend = rfm["revenue"] / rfm["purchases"].clip(lower=1)
    ax = _axes(ax, size=(7, 5))
    hue = segments.reindex(rfm.index).map(lambda label: term(label, lang))
    sns.scatterplot(x=rfm["purchases"].to_numpy(), y=spend.clip(lower=0.01).to_numpy(), hue=hue.to_numpy(), ax=ax,
                    s=12, alpha=0.6, linewidth=0)
    ax.axvline(rfm["purchases"].median(), color="grey", linestyle=":")
    ax.axhline(spend.median(), color="grey", linestyle=":")
    ax.set(xscale="log", yscale="log", xlabel=term("purchase frequency", lang),
           ylabel=term("mean spend per purchase", lang), title=term("Customer behaviour matrix", lang))
    return ax


@_figure
def plot_lifecycle_mix(mix: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Stacked shares of customers in each life-cycle stage at each snapshot (stage names in ``lang``)."""
    check_lang(lang)
    ax = _axes(ax)
    ax.stackplot(mix.index, mix.T.to_numpy(), labels=[term(c, lang) for c in mix.columns], alpha=0.85)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(ylim=(0, 1), xlabel=term("snapshot", lang), ylabel=term("share of customers", lang),
           title=term("Life-cycle stage mix over time", lang))
    ax.legend(loc="upper left", fontsize=8)
    return ax


@_figure
def plot_cluster_diagnostics(result, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Silhouette score by number of clusters (and inertia or BIC on the right axis), the chosen k marked."""
    check_lang(lang)
    diagnostics = result.diagnostics
    ax = _axes(ax)
    ax.plot(diagnostics.index, diagnostics["silhouette"], marker="o", label=term("silhouette", lang))
    ax.axvline(result.n_clusters, color="grey", linestyle=":",
               label=message("plot_chosen_k", lang, k=result.n_clusters))
    other = "inertia" if "inertia" in diagnostics else "bic"
    right = ax.twinx()
    right.plot(diagnostics.index, diagnostics[other], marker="s", color=sns.color_palette()[1],
               label=term(other, lang))
    right.set(ylabel=term(other, lang))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel=term("number of clusters k", lang), ylabel=term("silhouette score", lang),
           title=term("Choosing the number of clusters", lang))
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper right")
    return ax


@_figure
def plot_migration(matrix: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Heat map of a segment migration matrix (rows: before, columns: after; segment names in ``lang``)."""
    check_lang(lang)
    ax = _axes(ax, size=(8, 6))
    fmt = ".0%" if matrix.to_numpy().max() <= 1 else ",d"
    shown = matrix.rename(index=lambda label: term(label, lang), columns=lambda label: term(label, lang))
    sns.heatmap(shown, annot=True, fmt=fmt, cmap="Blues", cbar=False, ax=ax)
    ax.tick_params(axis="y", labelrotation=0)
    ax.set(xlabel=term("segment after", lang), ylabel=term("segment before", lang),
           title=term("Segment migration", lang))
    return ax


@_figure
def plot_ipma(table: pd.DataFrame, target: str = "", ax: Axes | None = None, lang: str = "en") -> Axes:
    """Importance-performance map: importance (total effect) against performance (0-100), with mean cross-hairs."""
    ax = _axes(ax)
    ax.scatter(table["importance"], table["performance"], s=60, color=sns.color_palette()[0])
    for name, row in table.iterrows():
        ax.annotate(str(term(name, lang)), (row["importance"], row["performance"]), textcoords="offset points",
                    xytext=(5, 5))
    ax.axvline(table["importance"].mean(), color="grey", linestyle=":")
    ax.axhline(table["performance"].mean(), color="grey", linestyle=":")
    ax.set(xlabel=term("importance (total effect, 0-100 metric)", lang),
           ylabel=term("performance (mean index, 0-100)", lang),
           title=message("ipma_title", lang, target=term(target, lang)) if target
           else term("Importance-performance map", lang))
    return ax


@_figure
def plot_kano(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Better-Worse diagram of a Kano table: |Worse| along x, Better along y, quadrants at 0.5."""
    ax = _axes(ax, size=(6, 6))
    sns.scatterplot(x=table["worse"].abs(), y=table["better"], hue=translate(table["category"], lang).to_numpy(), s=70,
                    ax=ax)
    for name, row in table.iterrows():
        ax.annotate(str(term(name, lang)), (abs(row["worse"]), row["better"]), textcoords="offset points",
                    xytext=(5, 4), fontsize=8)
    ax.axvline(0.5, color="grey", linestyle=":")
    ax.axhline(0.5, color="grey", linestyle=":")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel=term("|Worse| (dissatisfaction when absent)", lang),
           ylabel=term("Better (satisfaction when present)", lang), title=term("Kano Better-Worse diagram", lang))
    return ax


@_figure
def plot_importance_performance(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Importance-satisfaction grid (003 §2.2.6) with its cross-hairs, attributes coloured by zone (区域)."""
    ax = _axes(ax, size=(7, 6))
    sns.scatterplot(x=table["performance"], y=table["importance"], hue=translate(table["zone"], lang).to_numpy(), s=70,
                    ax=ax)
    for name, row in table.iterrows():
        ax.annotate(str(term(name, lang)), (row["performance"], row["importance"]), textcoords="offset points",
                    xytext=(5, 4), fontsize=8)
    ax.axvline(table.attrs.get("performance_cut", table["performance"].mean()), color="grey", linestyle=":")
    ax.axhline(table.attrs.get("importance_cut", table["importance"].mean()), color="grey", linestyle=":")
    ax.set(xlabel=term("performance (mean rating)", lang), ylabel=term("importance", lang),
           title=term("Importance-satisfaction analysis", lang))
    return ax


@_figure
def plot_value_map(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Gale's customer value map (003 §2.4.3): quality ratio against relative price ratio, the average value line
    (平均价值线) through (1, 1) and the four quadrants cut at 1."""
    ax = _axes(ax, size=(6, 6))
    low = min(table["quality_ratio"].min(), table["price_ratio"].min(), 1.0) * 0.85
    high = max(table["quality_ratio"].max(), table["price_ratio"].max(), 1.0) * 1.15
    ax.plot([low, high], [low, high], color="grey", linestyle="--", label=term("average value line", lang))
    ax.axvline(1.0, color="grey", linestyle=":", linewidth=0.8)
    ax.axhline(1.0, color="grey", linestyle=":", linewidth=0.8)
    corners = {"high quality, high price": (high, high, "right", "top"),
               "low price, high quality": (high, low, "right", "bottom"),
               "low quality, low price": (low, low, "left", "bottom"),
               "high price, low quality": (low, high, "left", "top")}
    for quadrant, (x, y, ha, va) in corners.items():
        ax.text(x, y, term(quadrant, lang), ha=ha, va=va, fontsize=8, color="grey")
    ax.scatter(table["quality_ratio"], table["price_ratio"], s=70, color=sns.color_palette()[0])
    for name, row in table.iterrows():
        ax.annotate(str(term(name, lang)), (row["quality_ratio"], row["price_ratio"]), textcoords="offset points",
                    xytext=(5, 4))
    ax.set(xlim=(low, high), ylim=(low, high), xlabel=term("market-perceived quality ratio", lang),
           ylabel=term("relative price ratio", lang),
           title=term("Customer value map (better value below the line)", lang))
    ax.legend(loc="upper center")
    return ax


@_figure
def plot_path_coefficients(result, boot=None, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Path coefficients of a PLS model as horizontal bars, with bootstrap percentile intervals when given."""
    paths = result.paths()
    labels = [f"{term(a, lang)} → {term(b, lang)}" for a, b in zip(paths["from"], paths["to"], strict=True)]
    ax = _axes(ax, size=(7, 0.45 * len(labels) + 1.5))
    positions = np.arange(len(labels))[::-1]
    ax.barh(positions, paths["coefficient"], color=sns.color_palette()[0], alpha=0.8)
    if boot is not None:
        table = boot.paths
        lower = table.filter(like="lower").iloc[:, 0].to_numpy()
        upper = table.filter(like="upper").iloc[:, 0].to_numpy()
        ax.errorbar(paths["coefficient"], positions, xerr=[paths["coefficient"] - lower, upper - paths["coefficient"]],
                    fmt="none", color="black", capsize=3, label=message("bootstrap_interval", lang, level=boot.level))
        ax.legend(loc="lower right")
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(positions, labels)
    ax.set(xlabel=term("path coefficient", lang), title=term("Structural model: path coefficients", lang))
    return ax


@_figure
def plot_satisfaction_loyalty(fit, satisfaction: pd.Series, loyalty: pd.Series, ax: Axes | None = None,
                              lang: str = "en", ylabel: str = "loyalty") -> Axes:
    """Respondents, the fitted satisfaction-loyalty curve and, for a piecewise fit, the zone of indifference
    (the stretch of high satisfaction and low loyalty, 高满意度低忠诚度, 003 §2.3.3)."""
    ax = _axes(ax)
    ax.scatter(satisfaction, loyalty, s=8, alpha=0.35, color="grey", label=term("respondents", lang))
    ax.plot(fit.grid["satisfaction"], fit.grid["loyalty"], color=sns.color_palette()[0], linewidth=2.5,
            label=term(f"{fit.kind} fit", lang))
    if len(fit.thresholds) == 2:
        ax.axvspan(*fit.thresholds, color=sns.color_palette()[1], alpha=0.15, label=term("zone of indifference", lang))
    ax.set(xlabel=term("satisfaction", lang), ylabel=term(ylabel, lang),
           title=message("satisfaction_loyalty_title", lang, p_value=fit.nonlinearity_p_value))
    ax.legend(loc="upper left")
    return ax


@_figure
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


@_figure
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


@_figure
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


@_figure
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

@_figure
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


@_figure
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


#: 教材 004 §2.4.1's five steps of the CRM basic process (⑴-⑸), and §2.3.2's three kinds of CRM (Meta Group)
CRM_PROCESS_STEPS = ("customer analysis", "understand target customers", "develop network relationships",
                     "deliver customer value", "manage customer relationships")
CRM_KINDS = ("operational CRM (front office)", "analytical CRM (back office)", "collaborative CRM (channels)")


@_figure
def plot_crm_process(ax: Axes | None = None, lang: str = "en") -> Axes:
    """The CRM basic process of 教材 004 §2.4.1 (图2-1 CRM的基本流程; the file keeps only its caption and the five
    steps, :data:`CRM_PROCESS_STEPS`): customer analysis → understanding target customers → developing network
    relationships → delivering customer value → managing customer relationships."""
    ax = _axes(ax, size=(11, 1.8))
    _boxes(ax, [term(step, lang) for step in CRM_PROCESS_STEPS])
    ax.set_title(term("The CRM basic process", lang))
    return ax


@_figure
def plot_crm_kinds(ax: Axes | None = None, lang: str = "en") -> Axes:
    """Operational, analytical and collaborative CRM and how they feed each other (教材 004 §2.3.2, Meta Group).

    Operational (front office) collects sales, marketing and service data → analytical (back office) turns them
    into information, knowledge and forecasts → collaborative (channels, the call centre) takes the results back
    to the customer, whose responses operational CRM records again.
    """
    ax = _axes(ax, size=(10, 2.8))
    centres = _boxes(ax, [term(kind, lang) for kind in CRM_KINDS], y=0.72)
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


@_figure
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


@_figure
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


@_figure
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


# --------------------------------------------------------------------------- customer value and loyalty measurement

__all__ += ["plot_abc_reference", "plot_delivered_value", "plot_loyalty_types", "plot_loyalty_evaluation",
            "plot_loyalty_ladder"]


@_figure
def plot_abc_reference(check: pd.DataFrame, ax: Axes | None = None, lang: str = "en",
                       title: str | None = None) -> Axes:
    """A firm's share of value per ABC class beside the chapter's reference profit shares (教材 003 §2.1.3).

    ``check`` is :func:`crmlab.value.abc_reference_check`; bars: share of customers, the firm's share of
    value, the reference share of profit (50/30/20 %).
    """
    check_lang(lang)
    missing = [c for c in ("customer_share", "value_share", "reference_profit_share") if c not in check]
    if missing:
        raise MissingColumnError(f"check lacks {missing}; pass the output of crmlab.value.abc_reference_check")
    positions = np.arange(len(check))
    ax = _axes(ax)
    bars = [("customer_share", "share of customers", "grey"), ("value_share", "share of value", sns.color_palette()[0]),
            ("reference_profit_share", "reference share of profit", sns.color_palette()[1])]
    for offset, (column, label, colour) in zip((-0.27, 0.0, 0.27), bars, strict=True):
        ax.bar(positions + offset, check[column], width=0.27, label=term(label, lang), color=colour)
    names = check["name"] if "name" in check else pd.Series(check.index, index=check.index)
    ax.set_xticks(positions, [f"{cls}: {term(name, lang)}" for cls, name in zip(check.index, names, strict=True)])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(ylabel=term("share", lang), title=term("ABC classes against the textbook's reference", lang)
           if title is None else title)
    ax.legend()
    return ax


@_figure
def plot_delivered_value(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """The make-up of customer delivered value per offer (教材 001 图3.4): value parts up, cost parts down.

    ``table`` is :func:`crmlab.value.delivered_value`; each offer gets a stacked bar of the total customer
    value above zero and of the total customer cost below it, and a marker at the delivered value
    (value − cost); the best offer's label is starred.
    """
    from .value import DELIVERED_VALUE_COMPONENTS

    check_lang(lang)
    if "delivered_value" not in table:
        raise MissingColumnError("table lacks 'delivered_value'; pass the output of crmlab.value.delivered_value")
    scheme = next((parts for parts in DELIVERED_VALUE_COMPONENTS.values()
                   if all(c in table for c in (*parts["value"], *parts["cost"]))), None)
    if scheme is None:
        raise MissingColumnError("table lacks the value and cost parts of crmlab.value.delivered_value")
    ax = _axes(ax, size=(8, 5))
    positions = np.arange(len(table))
    blues, reds = sns.color_palette("Blues", len(scheme["value"]) + 1)[1:], sns.color_palette("Reds", 5)[1:]

    def label(column: str) -> str:
        return term(column, lang) if lang == "zh" else column.replace("_", " ")

    bottom = np.zeros(len(table))
    for colour, column in zip(blues, scheme["value"], strict=True):
        ax.bar(positions, table[column], bottom=bottom, color=colour, width=0.6, label=label(column))
        bottom += table[column].to_numpy()
    bottom = np.zeros(len(table))
    for colour, column in zip(reds, scheme["cost"], strict=True):
        ax.bar(positions, -table[column], bottom=bottom, color=colour, width=0.6, label=label(column))
        bottom -= table[column].to_numpy()
    ax.scatter(positions, table["delivered_value"], color="black", marker="D", zorder=3,
               label=label("delivered_value"))
    ax.axhline(0, color="grey", linewidth=0.8)
    best = table["best"] if "best" in table else pd.Series(False, index=table.index)
    ax.set_xticks(positions, [f"{name}{' ★' if flag else ''}" for name, flag in zip(table.index, best, strict=True)])
    ax.set(ylabel=term("value (+) and cost (−) to the customer", lang),
           title=term("Customer delivered value = total customer value − total customer cost", lang))
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
    return ax


@_figure
def plot_loyalty_types(types: pd.DataFrame | None = None, ax: Axes | None = None, lang: str = "en") -> Axes:
    """The six loyalty types placed by durability and the customer's dependence (教材 001 图3.18, our reading).

    ``types`` defaults to :data:`crmlab.loyalty_measurement.LOYALTY_TYPES` (scores 1-3).
    """
    from .loyalty_measurement import LOYALTY_TYPES

    check_lang(lang)
    types = LOYALTY_TYPES if types is None else types
    ax = _axes(ax, size=(6, 5))
    same_place = types.groupby(["dependence", "durability"]).cumcount()
    ax.scatter(types["dependence"] + same_place * 0.08, types["durability"], s=80, color=sns.color_palette()[0])
    for (name, row), k in zip(types.iterrows(), same_place, strict=True):
        ax.annotate(term(name, lang), (row["dependence"] + k * 0.08, row["durability"]), textcoords="offset points",
                    xytext=(6, 6 - 16 * k), fontsize=9)
    levels = [term(level, lang) for level in ("low", "medium", "high")]
    ax.set_xticks([1, 2, 3], levels)
    ax.set_yticks([1, 2, 3], levels)
    ax.set(xlim=(0.5, 3.9), ylim=(0.5, 3.5), xlabel=term("customer dependence", lang),
           ylabel=term("durability", lang), title=term("Loyalty types: durability and dependence", lang))
    return ax


@_figure
def plot_loyalty_evaluation(evaluation: pd.DataFrame, threshold: float = 50.0, ax: Axes | None = None,
                            lang: str = "en") -> Axes:
    """Objective (repeat behaviour) against subjective (attitude) loyalty scores, with the four patterns.

    ``evaluation`` is :func:`crmlab.loyalty_measurement.loyalty_evaluation`; the lines at ``threshold`` split
    the plane as :func:`crmlab.loyalty_measurement.attitude_behaviour_matrix` does.
    """
    from .loyalty_measurement import attitude_behaviour_matrix

    check_lang(lang)
    patterns = attitude_behaviour_matrix(evaluation, threshold=threshold, lang=lang)
    ax = _axes(ax, size=(6, 5))
    sns.scatterplot(x=evaluation["objective_score"].to_numpy(), y=evaluation["subjective_score"].to_numpy(),
                    hue=patterns.to_numpy(), ax=ax, s=14, alpha=0.7, linewidth=0)
    ax.axvline(threshold, color="grey", linestyle=":")
    ax.axhline(threshold, color="grey", linestyle=":")
    ax.set(xlim=(-2, 102), ylim=(-2, 102), xlabel=term("objective loyalty score (repeat behaviour)", lang),
           ylabel=term("subjective loyalty score (attitude)", lang),
           title=term("Loyalty as behaviour and as attitude", lang))
    ax.legend(fontsize="small", loc="lower right")
    return ax


@_figure
def plot_loyalty_ladder(ladder: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Customers on each rung of the loyalty ladder (教材 000), bottom rung at the bottom.

    ``ladder`` is :func:`crmlab.loyalty_measurement.loyalty_ladder` (rungs in any language). The two poles of
    000's ladder are written below the bottom rung (强调一次性交易, emphasis on one-off transactions) and above
    the top one (强调长期忠诚度, emphasis on long-term loyalty).
    """
    from .loyalty_measurement import LOYALTY_LADDER

    check_lang(lang)
    if "rung" not in ladder:
        raise MissingColumnError("ladder lacks 'rung'; pass the output of crmlab.loyalty_measurement.loyalty_ladder")
    rungs = [term(r, lang) for r in LOYALTY_LADDER]
    counts = ladder["rung"].map(lambda r: term(r, lang)).value_counts().reindex(rungs, fill_value=0)
    ax = _axes(ax, size=(6, 4))
    widths = counts.to_numpy() / max(len(ladder), 1)
    ax.barh(np.arange(len(rungs)), widths, color=sns.color_palette("crest", len(rungs)))
    for position, (n, share) in enumerate(zip(counts.to_numpy(), widths, strict=True)):
        ax.annotate(f" {n:,} ({share:.1%})", (share, position), va="center", fontsize=9)
    ax.set_yticks(np.arange(len(rungs)), rungs)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel=term("share of customers", lang), title=term("The customer loyalty ladder", lang))
    ax.margins(x=0.25)
    ax.set_ylim(-1.1, len(rungs) + 0.1)
    poles = ((-0.85, "↓ emphasis on one-off transactions"), (len(rungs) - 0.15, "↑ emphasis on long-term loyalty"))
    for position, pole in poles:
        ax.annotate(term(pole, lang), (0.01, position), xycoords=("axes fraction", "data"), va="center",
                    fontsize=8, style="italic", color="dimgrey")
    return ax


@_figure
def plot_simple_slopes(slopes: pd.DataFrame, x: str, moderator: str, ax: Axes | None = None,
                       lang: str = "en") -> Axes:
    """Simple slopes of ``x`` on its target at the moderator values of :func:`crmlab.satisfaction.simple_slopes`:
    one line ŷ = intercept + slope · x per moderator value, x from −2 to +2 standard deviations (texts in ``lang``)."""
    check_lang(lang)
    ax = _axes(ax)
    grid = np.linspace(-2, 2, 41)
    names = {"x": term(x, lang), "moderator": term(moderator, lang), "target": term(slopes["target"].iloc[0], lang)}
    for (level, row), colour in zip(slopes.iterrows(), sns.color_palette(n_colors=len(slopes)), strict=True):
        ax.plot(grid, row["intercept"] + row["slope"] * grid, color=colour,
                label=message("simple_slope_line", lang, moderator=names["moderator"], level=level, slope=row["slope"]))
    ax.axhline(0, color="grey", linewidth=0.6)
    ax.set(xlabel=message("simple_slopes_x", lang, x=names["x"]),
           ylabel=message("simple_slopes_y", lang, target=names["target"]),
           title=message("simple_slopes_title", lang, **names))
    ax.legend(loc="best")
    return ax


# --------------------------------------------------------------------------- satisfaction measurement (issue 14)

@_figure
def plot_kano_curves(curves: pd.DataFrame | None = None, ax: Axes | None = None, lang: str = "en") -> Axes:
    """The Kano diagram (001 §3.5.2, 图3.11): satisfaction against fulfilment for must-be (当然质量),
    one-dimensional (期望质量) and attractive (迷人质量) quality (:func:`crmlab.satisfaction.kano_curves`)."""
    from .satisfaction.kano import kano_curves

    curves = kano_curves() if curves is None else curves
    ax = _axes(ax, size=(6, 5))
    for colour, quality in zip(sns.color_palette(n_colors=len(curves.columns)), curves.columns, strict=True):
        ax.plot(curves.index, curves[quality], color=colour, linewidth=2.5, label=term(quality, lang))
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xticks([-1, 0, 1], [term("absent", lang), "", term("fully fulfilled", lang)])
    ax.set_yticks([-1, 0, 1], [term("very dissatisfied", lang), term("neutral", lang), term("delighted", lang)])
    ax.set(xlim=(-1.05, 1.05), ylim=(-1.1, 1.1), xlabel=term("fulfilment of the attribute", lang),
           ylabel=term("customer satisfaction", lang), title=term("Kano model: three kinds of quality", lang))
    ax.legend(loc="upper left")
    return ax


@_figure
def plot_head_to_head(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Gale's head-to-head area chart (客户价值分析对照图) of :func:`crmlab.satisfaction.head_to_head`.

    Each attribute is a bar as wide as its weight and as high as our rating minus the competitor's, so its
    area is the weighted difference; bars above zero are where we are ahead.
    """
    rows = table.drop(index="total", errors="ignore")
    total = float(rows["weighted_difference"].sum())
    left = np.concatenate([[0.0], np.cumsum(rows["weight"].to_numpy())[:-1]])
    colours = [sns.color_palette()[2] if d >= 0 else sns.color_palette()[3] for d in rows["difference"]]
    ax = _axes(ax, size=(7, 4))
    ax.bar(left, rows["difference"], width=rows["weight"], align="edge", color=colours, edgecolor="white")
    for x, width, (name, row) in zip(left, rows["weight"], rows.iterrows(), strict=True):
        ax.annotate(str(term(name, lang)), (x + width / 2, row["difference"]), ha="center",
                    va="bottom" if row["difference"] >= 0 else "top", fontsize=8)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set(xlim=(0, rows["weight"].sum()), xlabel=term("attributes (bar width = weight)", lang),
           ylabel=term("rating difference (us − competitor)", lang),
           title=message("head_to_head_title", lang, us=term(table.attrs.get("us", "us"), lang),
                         competitor=term(table.attrs.get("competitor", "competitor"), lang), total=total))
    return ax


@_figure
def plot_key_events(events: pd.DataFrame, tracking: pd.Series, ax: Axes | None = None, lang: str = "en", *,
                    when: str = "quarter", label: str = "event") -> Axes:
    """Gale's key-events time line (关键事件表): the tracked measure over time with each event marked."""
    ax = _axes(ax, size=(8, 4))
    ax.plot(tracking.index, tracking.to_numpy(), marker="o", color=sns.color_palette()[0])
    top = tracking.max()
    for _, event in events.iterrows():
        ax.axvline(event[when], color="grey", linestyle=":")
        ax.annotate(str(term(event[label], lang)), (event[when], top), rotation=90, ha="right", va="top",
                    fontsize=8, textcoords="offset points", xytext=(-3, 0))
    ax.set(xlabel=term(when, lang), ylabel=term(tracking.name or "measure", lang),
           title=term("Key events and the market's response", lang))
    return ax


@_figure
def plot_expectation_types(survey: pd.DataFrame, ax: Axes | None = None, lang: str = "en", *,
                           bins: int = 8) -> Axes:
    """Loyalty against how far basic (基本期望) and latent (潜在期望) expectations are met (001 图3.22).

    Basic curve: customers whose latent expectations are hardly met (latent fulfilment below 0.15), mean
    loyalty per bin of basic fulfilment. Latent curve: customers whose basic expectations are well met
    (basic fulfilment at least 0.8), mean loyalty per bin of latent fulfilment. The dotted line is the
    average loyalty (平均忠诚度) of :func:`crmlab.simulation.make_expectation_survey`.
    """
    edges = np.linspace(0, 1, bins + 1)
    groups = {"basic expectations": (survey[survey["latent_fulfilment"] < 0.15], "basic_fulfilment"),
              "latent expectations": (survey[survey["basic_fulfilment"] >= 0.8], "latent_fulfilment")}
    ax = _axes(ax)
    for colour, (name, (subset, column)) in zip(sns.color_palette(), groups.items(), strict=False):
        binned = subset.groupby(pd.cut(subset[column], edges, include_lowest=True), observed=True)
        means = binned.agg(x=(column, "mean"), y=("loyalty", "mean"), n=("loyalty", "size"))
        means = means[means["n"] >= 5]
        ax.plot(means["x"], means["y"], marker="o", color=colour, label=term(name, lang))
    if "average_loyalty" in survey.attrs:
        ax.axhline(survey.attrs["average_loyalty"], color="grey", linestyle=":", label=term("average loyalty", lang))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel=term("share of the expectations met", lang), ylabel=term("loyalty", lang),
           title=term("Two kinds of expectation and loyalty", lang))
    ax.legend(loc="upper left")
    return ax


@_figure
def plot_retention_by_satisfaction(tables: dict[str, pd.DataFrame], ax: Axes | None = None,
                                   lang: str = "en") -> Axes:
    """Retention rate against satisfaction, one line per scenario
    (tables of :func:`crmlab.satisfaction.retention_by_satisfaction`, keyed by scenario name)."""
    ax = _axes(ax)
    for name, table in tables.items():
        shown = table[table["customers"] > 0]
        ax.plot(shown["mean_satisfaction"], shown["retention_rate"], marker="o", label=term(name, lang))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(ylim=(0, 1.02), xlabel=term("satisfaction", lang), ylabel=term("customers retained", lang),
           title=term("Satisfied customers still leave: the satisfaction trap", lang))
    ax.legend(loc="upper left")
    return ax


@_figure
def plot_barrel(barrel, ax: Axes | None = None, lang: str = "en") -> Axes:
    """The barrel principle (木桶原理, 003 §2.2.2): each link's mean score as a stave, the shortest one marked;
    the water can rise no higher than it (:func:`crmlab.satisfaction.barrel_score`)."""
    links = barrel.links  # lowest mean first
    weakest = barrel.weakest_link
    colours = [sns.color_palette()[3] if name == weakest else sns.color_palette()[0] for name in links.index]
    ax = _axes(ax, size=(7, 4))
    positions = np.arange(len(links))
    ax.bar(positions, links["mean_score"], color=colours, width=0.85)
    ax.axhline(links["mean_score"].min(), color=sns.color_palette()[9], linewidth=2, label=term("water level", lang))
    ax.set_xticks(positions, [term(name, lang) for name in links.index], rotation=20, ha="right")
    ax.set(ylabel=term("mean score", lang), title=term("Barrel principle: the weakest link caps satisfaction", lang))
    ax.legend(loc="upper left")
    return ax


@_figure
def plot_wave_comparison(table: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """PDCA check (戴明环): each attribute's performance in two survey waves, an arrow from before to after
    (:func:`crmlab.satisfaction.wave_comparison`); met targets in green when targets were given."""
    ax = _axes(ax, size=(7, 0.5 * len(table) + 1.5))
    positions = np.arange(len(table))[::-1]
    met = table["target_met"] if "target_met" in table else pd.Series(True, index=table.index)
    for y, (name, row) in zip(positions, table.iterrows(), strict=True):
        colour = sns.color_palette()[2] if met[name] else sns.color_palette()[3]
        ax.annotate("", (row["performance_after"], y), (row["performance_before"], y),
                    arrowprops={"arrowstyle": "->", "color": colour, "linewidth": 2})
    ax.scatter(table["performance_before"], positions, color="grey", label=term("first wave", lang), zorder=3)
    ax.scatter(table["performance_after"], positions, color=sns.color_palette()[0], label=term("second wave", lang),
               zorder=3)
    if "target" in table:
        ax.scatter(table["target"], positions, marker="|", s=200, color="black", label=term("target", lang))
    ax.set_yticks(positions, [term(name, lang) for name in table.index])
    ax.set(xlabel=term("performance (mean rating)", lang), title=term("PDCA check: performance in two waves", lang))
    ax.legend(loc="lower right", fontsize="small")
    return ax


@_figure
def plot_index_scores(index: pd.DataFrame, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Mean 0-100 index of each construct (e.g. :meth:`crmlab.satisfaction.PLSResult.index_scores`), lowest first."""
    means = index.mean().sort_values()
    ax = _axes(ax, size=(6, 0.4 * len(means) + 1.5))
    ax.barh([term(name, lang) for name in means.index], means.to_numpy(), color=sns.color_palette()[0])
    ax.set(xlim=(0, 100), xlabel=term("mean index (0-100)", lang), title=term("Satisfaction index by construct", lang))
    return ax


__all__ += ["plot_kano_curves", "plot_head_to_head", "plot_key_events", "plot_expectation_types",
            "plot_retention_by_satisfaction", "plot_barrel", "plot_wave_comparison", "plot_index_scores"]


# --------------------------------------------------------------------------- customer-base plots (issue 17)

def _conditional_means(ax: Axes, means: pd.DataFrame, labels: list[str], xlabel: str, title: str, lang: str) -> Axes:
    """Mean holdout purchases per group of customers: actual, model and naive baseline (columns of ``means``)."""
    ax.plot(labels, means["actual"], marker="o", label=term("actual", lang), color="black")
    ax.plot(labels, means["predicted"], marker="s", label=term("model", lang), color=sns.color_palette()[0])
    ax.plot(labels, means["baseline"], marker="^", linestyle=":", label=term("naive baseline", lang),
            color=sns.color_palette()[3])
    ax.set(xlabel=xlabel, ylabel=term("mean purchases in holdout", lang), title=title)
    ax.legend()
    return ax


@_figure
def plot_holdout_by_recency(evaluation, split: pd.DataFrame, n_bins: int = 8, ax: Axes | None = None,
                            lang: str = "en") -> Axes:
    """Mean holdout purchases by calibration recency: actual, model and naive baseline (labels in ``lang``).

    The companion of :func:`plot_calibration_vs_holdout` (which groups by calibration frequency): repeat
    buyers are grouped into ``n_bins`` equal bins of ``recency_cal`` (time of the last calibration purchase,
    from 0 to the longest calibration period); customers without a repeat purchase, whose recency is 0 by
    definition, are their own first group. Empty bins are left out.
    """
    check_lang(lang)
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise ValueError(f"n_bins must be a whole number >= 1, got {n_bins!r}")
    missing = [c for c in ("frequency_cal", "recency_cal", "T_cal") if c not in split]
    if missing:
        raise MissingColumnError(f"split lacks {missing}; pass the table of crmlab.calibration_holdout")
    edges = np.linspace(0.0, float(split["T_cal"].max()), n_bins + 1)
    bins = pd.cut(split["recency_cal"], edges, include_lowest=True, labels=False)
    group = np.where(split["frequency_cal"].to_numpy() > 0, bins.to_numpy(dtype="float64"), -1.0)
    means = evaluation.per_customer.groupby(group)[["actual", "predicted", "baseline"]].mean()
    labels = [term("no repeat purchase", lang) if k < 0 else f"{edges[int(k)]:.0f}–{edges[int(k) + 1]:.0f}"
              for k in means.index]
    info = table_info(split)
    unit = info.time_unit if info is not None else None
    xlabel = message("holdout_by_recency_axis", lang, unit=unit_name(unit, lang) if unit else term("period", lang))
    ax = _conditional_means(_axes(ax), means, labels, xlabel,
                            term("Conditional expectations: holdout purchases by calibration recency", lang), lang)
    ax.tick_params(axis="x", labelrotation=30)
    return ax


@_figure
def plot_p_alive_history(model, transactions: pd.DataFrame, customer, *, observation_end=None, covariates=None,
                         customer_col: str = "customer_id", date_col: str = "date", ax: Axes | None = None,
                         lang: str = "en") -> Axes:
    """One customer's P(alive) day by day, with the customer's purchases marked (labels in ``lang``).

    On each day d from the first purchase to ``observation_end`` (default: the log's last day), P(alive) is
    the model's for the customer's summary as it stood at the end of d (:func:`crmlab.summary_history`, in the
    model's time unit and purchase period): it decays while the customer is silent and recovers at each
    purchase. The end of the data the model was fitted on is marked when the model records it. A model with
    covariates reads the customer's values from ``covariates`` (a mapping or Series, e.g.
    ``summary.loc[customer, ["Gender", "Channel"]]``), held constant over the history.
    """
    from .summary import summary_history

    check_lang(lang)
    model._require_fit()
    if model.discrete_unit is not None:
        raise ValueError(f"a P(alive) history needs a model in calendar time (BG/NBD, MBG/NBD, Pareto/NBD); the "
                         f"{model.model_name} model counts {model.time_unit_label}")
    fitted_on = getattr(model, "data_info_", None)
    history = summary_history(transactions, customer, observation_end=observation_end, time_unit=model.time_unit_,
                              purchase_period=(fitted_on and fitted_on.purchase_period) or "D",
                              customer_col=customer_col, date_col=date_col)
    if covariates is not None:
        history = history.assign(**dict(covariates))
    alive = model.p_alive(history)
    bought = np.diff(history["frequency"].to_numpy(), prepend=-1) > 0  # days a purchase was made on
    ax = _axes(ax, size=(8, 3.5))
    colour = sns.color_palette()[0]
    ax.plot(history.index, alive.to_numpy(), color=colour, label=term("P(alive)", lang))
    ax.vlines(history.index[bought], 0, alive.to_numpy()[bought], color="grey", linestyle=":", linewidth=0.8)
    ax.scatter(history.index[bought], alive.to_numpy()[bought], color=sns.color_palette()[3], zorder=3,
               label=term("purchase", lang))
    if fitted_on is not None and fitted_on.observation_end is not None:
        end = pd.Timestamp(fitted_on.observation_end)
        if history.index[0] <= end <= history.index[-1]:
            ax.axvline(end, color="black", linestyle="--", linewidth=0.8, label=term("end of calibration", lang))
    ax.set(ylim=(0, 1.05), xlabel=term("date", lang), ylabel=term("P(alive)", lang),
           title=message("p_alive_history_title", lang, customer=customer, model=model.model_name))
    ax.legend(loc="lower left")
    return ax


@_figure
def plot_cohort_retention(transactions: pd.DataFrame, *, period: str = "M", observation_end=None,
                          customer_col: str = "customer_id", date_col: str = "date", annotate: bool | None = None,
                          ax: Axes | None = None, lang: str = "en") -> Axes:
    """Cohort retention heatmap: the share of each acquisition cohort active k periods after acquisition.

    The table is :func:`crmlab.cohorts.cohort_retention_table` (``period``, ``observation_end`` and the
    column names are its arguments); periods not yet observed in full are blank. The colour scale spans the
    shares from age 1 on (age 0 is 100 % by construction). ``annotate`` writes the percentages in the
    cells (default: when the table has at most 20 cohorts and 20 ages).
    """
    from .cohorts import cohort_retention_table

    check_lang(lang)
    table = cohort_retention_table(transactions, period=period, observation_end=observation_end,
                                   customer_col=customer_col, date_col=date_col)
    values = table.to_numpy(dtype="float64")
    later = values[:, 1:]
    top = float(np.nanmax(later)) if np.isfinite(later).any() else 1.0
    ax = _axes(ax, size=(max(6.0, 0.45 * table.shape[1] + 2), max(3.5, 0.35 * table.shape[0] + 1.5)))
    image = ax.imshow(values, aspect="auto", cmap="Blues", vmin=0, vmax=top, interpolation="nearest")
    colourbar = ax.figure.colorbar(image, ax=ax, label=term("share of the cohort active", lang))
    colourbar.formatter = PercentFormatter(1.0)
    colourbar.update_ticks()
    if annotate if annotate is not None else max(table.shape) <= 20:
        for (row, column), share in np.ndenumerate(values):
            if np.isfinite(share):
                ax.text(column, row, f"{share:.0%}", ha="center", va="center", fontsize=7,
                        color="white" if share > 0.6 * top else "black")
    ages = np.arange(0, table.shape[1], -(-table.shape[1] // 15))  # at most 15 age ticks
    ax.set_xticks(ages, [str(table.columns[k]) for k in ages])
    ax.set_yticks(np.arange(table.shape[0]), [str(cohort.start_time.date()) if period == "W" else str(cohort)
                                              for cohort in table.index])
    word = _COHORT_PERIODS[period]
    ax.set(xlabel=term(f"{word}s since acquisition", lang),
           ylabel=term(f"acquisition cohort ({word} of the first purchase)", lang),
           title=term("Cohort retention: share of each cohort's customers who buy", lang))
    return ax


_COHORT_PERIODS = {"W": "week", "M": "month", "Q": "quarter", "Y": "year"}

#: The mixing distributions of each model: process -> (distribution, its two parameters, what varies)
_MIXING = {
    "BetaGeo": {"purchase": ("Gamma", ("r", "alpha"), "purchase rate λ"),
                "dropout": ("Beta", ("a", "b"), "probability p of dropping out after a repeat purchase")},
    "ModifiedBetaGeo": {"purchase": ("Gamma", ("r", "alpha"), "purchase rate λ"),
                        "dropout": ("Beta", ("a", "b"), "probability p of dropping out after a purchase")},
    "BetaGeoCNBD": {"purchase": ("Gamma", ("r", "alpha"), "phase rate λ (a purchase every k phases)"),
                    "dropout": ("Beta", ("a", "b"), "probability p of dropping out after a repeat purchase")},
    "ModifiedBetaGeoCNBD": {"purchase": ("Gamma", ("r", "alpha"), "phase rate λ (a purchase every k phases)"),
                            "dropout": ("Beta", ("a", "b"), "probability p of dropping out after a purchase")},
    "ParetoNBD": {"purchase": ("Gamma", ("r", "alpha"), "purchase rate λ"),
                  "dropout": ("Gamma", ("s", "beta"), "dropout rate μ")},
    "GammaGompertzNBD": {"purchase": ("Gamma", ("r", "alpha"), "purchase rate λ"),
                         "dropout": ("Gamma", ("s", "beta"), "Gompertz scale η of the lifetime (no unit)")},
    "BetaGeoBetaBinom": {"purchase": ("Beta", ("alpha", "beta"), "probability p of buying at an opportunity"),
                         "dropout": ("Beta", ("gamma", "delta"), "probability θ of dropping out at an opportunity")},
    "ShiftedBetaGeometric": {"dropout": ("Beta", ("gamma", "delta"), "probability θ of cancelling in a period")},
}
#: the Gamma-distributed quantities that are no rates per time unit
_UNITLESS = {"Gompertz scale η of the lifetime (no unit)"}
_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ"}
_UNIT_WORD = {"D": "day", "W": "week", "M": "month"}


@_figure
def plot_heterogeneity(model, process: str = "purchase", ax: Axes | None = None, lang: str = "en") -> Axes:
    """The fitted distribution across customers of the purchase or the dropout process, with its mean.

    BG/NBD and MBG/NBD: purchase rate λ ~ Gamma(r, α) (shape r, rate α; mean r/α purchases per time unit)
    and dropout probability p ~ Beta(a, b) (mean a/(a+b)); (M)BG/CNBD-k: the same, λ the rate of the Erlang
    phases (a purchase every k of them, so λ/k purchases per time unit); Pareto/NBD: λ ~ Gamma(r, α) and
    dropout rate μ ~ Gamma(s, β) (mean s/β; the mean lifetime of a customer with rate μ is 1/μ);
    GGompertz/NBD: λ ~ Gamma(r, α) and the Gompertz scale η ~ Gamma(s, β) of the lifetime,
    P(τ > t) = exp(−η(e^(bt) − 1)) (a number, not a rate per time unit); BG/BB: the probabilities of
    buying, p ~ Beta(α, β), and of dropping out, θ ~ Beta(γ, δ), at each opportunity; sBG: the
    cancellation probability θ ~ Beta(γ, δ). For a model with covariates these are the distributions of
    customers whose covariates are all 0. Densities that rise without bound at 0 or 1 (shape below 1) are
    drawn up to the height they reach inside the central 80 % of the distribution (the axis is cut there).
    """
    from scipy import stats

    check_lang(lang)
    model._require_fit()
    processes = _MIXING.get(type(model).__name__)
    if processes is None:
        raise ValueError(f"no heterogeneity plot for {type(model).__name__}; it is drawn for {sorted(_MIXING)}")
    if process not in processes:
        raise ValueError(f"process must be one of {sorted(processes)} for the {model.model_name} model, "
                         f"got {process!r}")
    family, names, what = processes[process]
    first, second = (float(model.params_[name]) for name in names)
    if family == "Gamma":
        distribution = stats.gamma(first, scale=1.0 / second)
        grid = np.linspace(0.0, distribution.ppf(0.995), 501)[1:]
    else:
        distribution = stats.beta(first, second)
        grid = np.linspace(0.0, 1.0, 501)[1:-1]
    density = distribution.pdf(grid)
    central = (grid >= distribution.ppf(0.1)) & (grid <= distribution.ppf(0.9))
    mean = float(distribution.mean())
    ax = _axes(ax)
    colour = sns.color_palette()[0 if process == "purchase" else 3]
    shown = ", ".join(f"{_GREEK.get(name, name)} = {value:.3g}" for name, value in zip(names, (first, second),
                                                                                         strict=True))
    ax.plot(grid, density, color=colour, label=f"{term(family, lang)}({shown})")
    ax.fill_between(grid, density, color=colour, alpha=0.2)
    ax.axvline(mean, color="black", linestyle="--", label=message("mixing_mean", lang, mean=mean))
    xlabel = term(what, lang) if family == "Beta" or what in _UNITLESS else message(
        "mixing_rate_axis", lang, what=term(what, lang), per=term(f"per {_UNIT_WORD[model.time_unit_]}", lang))
    ax.set(xlim=(0, grid[-1]), ylim=(0, 1.1 * float(density[central].max())), xlabel=xlabel,
           ylabel=term("density across customers", lang),
           title=message("heterogeneity_title", lang, model=model.model_name, what=term(what, lang)))
    ax.legend(loc="upper right")
    return ax


__all__ += ["plot_holdout_by_recency", "plot_p_alive_history", "plot_cohort_retention", "plot_heterogeneity"]
_PROCESS_TERMS = {"purchase": "purchase process", "dropout": "dropout process", "shared": "both processes (shared)"}


@_figure
def plot_covariate_effects(model, level: float = 0.95, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Each covariate coefficient of a fitted model with its confidence interval, grouped by process.

    A point is the estimate γ, the bar γ ± z·se(γ) at ``level`` (:meth:`summary`); a bar that crosses the
    dashed zero line is an effect the data cannot tell from none. In CLVTools' parametrisation
    (:mod:`crmlab.clv.covariates`) a positive purchase coefficient raises the purchase rate by the factor e^γ
    per unit of the covariate, a positive dropout coefficient raises the dropout rate (Pareto/NBD).
    """
    check_lang(lang)
    table = model.summary(level)
    coefficients = table.index[len(model.param_names):]
    if not len(coefficients):
        raise ValueError(f"this {model.model_name} model has no covariates; fit it with purchase_covariates= or "
                         "dropout_covariates= to plot their effects")
    ax = _axes(ax, size=(7, 0.45 * len(coefficients) + 1.5))
    lower, upper = table.columns[2], table.columns[3]
    positions = np.arange(len(coefficients))[::-1]
    for k, process in enumerate(_PROCESS_TERMS):
        rows = [i for i, name in enumerate(coefficients) if name.split(":", 1)[0] == process]
        if not rows:
            continue
        chosen = table.loc[coefficients[rows]]
        ax.errorbar(chosen["estimate"], positions[rows],
                    xerr=[chosen["estimate"] - chosen[lower], chosen[upper] - chosen["estimate"]],
                    fmt="o", capsize=4, color=sns.color_palette()[k], label=term(_PROCESS_TERMS[process], lang))
    ax.axvline(0.0, color="grey", linestyle="--", linewidth=1)
    ax.set_yticks(positions, [name.split(":", 1)[1] for name in coefficients])
    ax.set(xlabel=term("covariate coefficient γ", lang),
           title=message("plot_covariate_effects_title", lang, level=level))
    ax.legend(loc="best", fontsize="small")
    return ax


__all__ += ["plot_covariate_effects"]


# --------------------------------------------------------------------------- issue 17: predictive checks

@_figure
def plot_predictive_check(check, kind: str = "frequency", ax: Axes | None = None, lang: str = "en") -> Axes:
    """Observed customers per bin against the model's simulations (:func:`crmlab.clv.checks.predictive_check`).

    ``kind`` "frequency" (repeat purchases) or "timing" (the last purchase's position in the observation
    period); bars for the observed counts, points with 5 %–95 % ranges for the simulated ones, the chi-square
    test in the title. Labels in ``lang``.
    """
    check_lang(lang)
    if kind not in ("frequency", "timing"):
        raise ValueError(f"kind must be 'frequency' or 'timing', got {kind!r}")
    table = check.frequency if kind == "frequency" else check.timing
    row = check.statistics.iloc[0 if kind == "frequency" else 1]
    positions = np.arange(len(table))
    ax = _axes(ax)
    ax.bar(positions, table["observed"], width=0.6, color="grey", label=term("actual", lang))
    spread = [table["expected"] - table["low"], table["high"] - table["expected"]]
    ax.errorbar(positions, table["expected"], yerr=spread, fmt="o", color=sns.color_palette()[0], capsize=3,
                label=term("simulated (5%-95%)", lang))
    ax.set_xticks(positions, table.index)
    xlabel = "repeat purchases" if kind == "frequency" else "last purchase / observation period"
    ax.set(xlabel=term(xlabel, lang), ylabel=term("customers", lang),
           title=f"{check.model}: {term('Predictive check', lang)} — χ² = {row['chi_square']:.1f}, "
                 f"df = {int(row['df'])}, p = {row['p_value']:.3g}")
    ax.legend()
    return ax


__all__ += ["plot_predictive_check"]
