"""Kano, importance-performance analysis and Gale's value map, on cases worked by hand."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import DataError
from crmlab.satisfaction import importance_performance, kano_classify, kano_table, perceived_ratio, value_map


@pytest.fixture
def kano_answers():
    functional = pd.DataFrame({"wifi": [1, 1, 2], "bar": ["like", "neutral", "dislike"]}, index=["r1", "r2", "r3"])
    dysfunctional = pd.DataFrame({"wifi": [5, 3, 5], "bar": ["dislike", "neutral", "like"]}, index=["r1", "r2", "r3"])
    return functional, dysfunctional


def test_kano_by_hand(kano_answers):
    functional, dysfunctional = kano_answers
    # (like, dislike) = O, (like, neutral) = A, (must-be, dislike) = M; (neutral, neutral) = I, (dislike, like) = R
    assert kano_classify(functional, dysfunctional).to_dict() == {"wifi": {"r1": "O", "r2": "A", "r3": "M"},
                                                                  "bar": {"r1": "O", "r2": "I", "r3": "R"}}
    table = kano_table(functional, dysfunctional)
    assert table.loc["wifi", "category"] == "must-be"  # A, O, M tie: must-be takes precedence (Berger et al.)
    assert table.loc["bar", "category"] == "one-dimensional"
    assert table.loc["wifi", ["better", "worse"]].tolist() == pytest.approx([2 / 3, -2 / 3])
    assert table.loc["bar", ["better", "worse"]].tolist() == pytest.approx([0.5, -0.5])  # R does not count
    assert table.loc["wifi", ["A_share", "O_share", "M_share"]].tolist() == pytest.approx([1 / 3] * 3)
    ax = cl.plotting.plot_kano(table)
    assert ax.get_xlim() == (0, 1) and len(ax.texts) == 2
    plt.close("all")


def test_kano_rejects_answers_off_the_scale(kano_answers):
    functional, dysfunctional = kano_answers
    with pytest.raises(DataError, match="'sometimes'.*respondent 'r2'.*'bar'"):
        kano_classify(functional.assign(bar=["like", "sometimes", "dislike"]), dysfunctional)
    with pytest.raises(DataError, match="same respondents"):
        kano_table(functional, dysfunctional.iloc[:2])


def test_importance_performance_zones_by_hand():
    ratings = pd.DataFrame({"speed": [2, 4], "staff": [7, 9], "decor": [1, 3], "parking": [8, 10]})
    stated = pd.Series({"speed": 9, "staff": 8, "decor": 2, "parking": 1})
    # importance mean 5, performance mean 5.5
    table = importance_performance(ratings, importance=stated, method="stated")
    assert table["zone"].to_dict() == {"speed": "urgent improvement", "staff": "keep up", "decor": "opportunity",
                                       "parking": "maintain"}
    assert importance_performance(ratings, importance=stated, method="stated", lang="zh").loc["speed", "zone"] \
        == "重点改进区"
    midpoint = importance_performance(ratings, importance=stated, method="stated", crosshair="midpoint", scale=(1, 10))
    assert midpoint.attrs["performance_cut"] == 5.5 and midpoint.attrs["importance_cut"] == 5.5
    ax = cl.plotting.plot_importance_performance(table)
    assert len(ax.texts) == 4
    plt.close("all")


def test_derived_importance_follows_overall_satisfaction(rng):
    ratings = pd.DataFrame(rng.integers(1, 11, (200, 3)), columns=["a", "b", "c"]).astype(float)
    overall = 0.8 * ratings["a"] + 0.1 * ratings["b"] + rng.normal(0, 0.5, 200)
    by_correlation = importance_performance(ratings, overall=overall)
    assert by_correlation.index[0] == "a" and by_correlation.loc["a", "importance"] > 0.9
    by_regression = importance_performance(ratings, overall=overall, method="regression")
    assert by_regression.loc["a", "importance"] == pytest.approx(0.8, abs=0.05)
    with pytest.raises(ValueError, match="overall="):
        importance_performance(ratings)
    with pytest.raises(ValueError, match="scale"):
        importance_performance(ratings, overall=overall, crosshair="midpoint")


def test_value_map_by_hand():
    quality = pd.DataFrame({"us": [8.0, 6.0], "rival": [4.0, 6.0]}, index=["taste", "service"])
    price = pd.DataFrame({"us": [5.0], "rival": [5.0]}, index=["price level"])
    weights = pd.Series({"taste": 0.5, "service": 0.5})
    # performance ratios 8/4 = 2 and 6/6 = 1, weighted half and half
    assert perceived_ratio(quality, weights, "us")["rival"] == pytest.approx(1.5)
    table = value_map(quality, weights, price, pd.Series({"price level": 1.0}))
    assert table.loc["us", ["quality_ratio", "price_ratio"]].tolist() == pytest.approx([1.5, 1.0])
    assert table.loc["us", "position"] == "better value" and table.loc["rival", "position"] == "worse value"
    ax = cl.plotting.plot_value_map(table)
    assert "fair-value line" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close("all")
    with pytest.raises(DataError, match="positive"):
        perceived_ratio(quality.assign(rival=[0.0, 6.0]), weights, "us")
    with pytest.raises(DataError, match="'them'"):
        perceived_ratio(quality, weights, "them")
