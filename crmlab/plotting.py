"""Every figure of the lab.

Each function draws on the Axes it is given (a new one when ``ax`` is None),
returns that Axes, and touches no global pyplot state, so figures compose into
subplots and notebooks stay in control of layout. Colours follow seaborn's
default palette.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from .quality import DROP_REASONS, DataQualityReport

__all__ = ["plot_dropped_rows", "plot_monthly_activity", "plot_repeat_purchases"]


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
        raise KeyError("summary has no 'frequency' column; pass the output of crmlab.customer_summary")
    clipped = summary["frequency"].clip(upper=max_frequency)
    shares = clipped.value_counts(normalize=True).reindex(range(max_frequency + 1), fill_value=0.0)
    labels = [str(k) for k in shares.index[:-1]] + [f"{max_frequency}+"]
    ax = _axes(ax)
    ax.bar(labels, shares.to_numpy(), color=sns.color_palette()[2])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel="repeat purchases in the period", ylabel="share of customers",
           title=f"Repeat purchases of {len(summary):,} customers")
    return ax
