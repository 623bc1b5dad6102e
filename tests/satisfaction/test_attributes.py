"""Kano, importance-satisfaction zones and Gale's customer value tools, on cases worked by hand."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmlab as cl
from crmlab.errors import DataError, MissingColumnError
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
    assert table["zone"].to_dict() == {"speed": "key improvement zone", "staff": "key maintenance zone",
                                       "decor": "opportunity zone", "parking": "maintenance zone"}
    assert table["factor"].to_dict() == {"speed": "urgent to improve", "staff": "strength to keep",
                                         "decor": "low priority", "parking": "nice to have"}
    # 003 §2.2.6: ①重点改进区域 ②重点保持区域 ③机会区域 ④维持区域; ①急需改进的因素 … ④锦上添花的因素
    chinese = importance_performance(ratings, importance=stated, method="stated", lang="zh")
    assert chinese["zone"].to_dict() == {"speed": "重点改进区域", "staff": "重点保持区域", "decor": "机会区域",
                                         "parking": "维持区域"}
    assert chinese["factor"].to_dict() == {"speed": "急需改进的因素", "staff": "应该继续保持的因素",
                                           "decor": "不占优先地位的因素", "parking": "锦上添花的因素"}
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
    table = value_map(quality, weights, price, pd.Series({"price level": 1.0}), price_ratings="level")
    assert table.loc["us", ["quality_ratio", "price_ratio"]].tolist() == pytest.approx([1.5, 1.0])
    assert table.loc["us", "position"] == "better value" and table.loc["rival", "position"] == "worse value"
    ax = cl.plotting.plot_value_map(table)
    assert "average value line" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close("all")
    with pytest.raises(DataError, match="positive"):
        perceived_ratio(quality.assign(rival=[0.0, 6.0]), weights, "us")
    with pytest.raises(DataError, match="'them'"):
        perceived_ratio(quality, weights, "them")


# --------------------------------------------------------------------------- Kano curves (001 §3.5.2, 图3.11)

def test_kano_curves_have_the_classic_shapes():
    curves = cl.satisfaction.kano_curves(points=201)
    assert list(curves.columns) == ["must-be", "one-dimensional", "attractive"]
    assert curves.index[0] == -1 and curves.index[-1] == 1
    assert all(curves[q].is_monotonic_increasing for q in curves.columns)
    assert (curves["must-be"] < 0).all() and curves["must-be"].iloc[0] == pytest.approx(-1)  # never above neutral
    assert (curves["attractive"] > 0).all() and curves["attractive"].iloc[-1] == pytest.approx(1)  # never below
    assert curves["one-dimensional"].to_numpy() == pytest.approx(curves.index.to_numpy())
    assert curves["must-be"].iloc[-1] > -0.01 and curves["attractive"].iloc[0] < 0.01
    with pytest.raises(ValueError, match="points"):
        cl.satisfaction.kano_curves(points=2)
    with pytest.raises(ValueError, match="steepness"):
        cl.satisfaction.kano_curves(steepness=0)
    ax = cl.plotting.plot_kano_curves()
    assert [line.get_label() for line in ax.get_lines()[:3]] == ["must-be", "one-dimensional", "attractive"]
    plt.close("all")


# --------------------------------------------------------------------------- Gale (003 §2.4.3)

@pytest.fixture
def coffee():
    """Notebook 06's coffee chains: quality ratings and weights."""
    quality = pd.DataFrame({"us": [8.0, 7.0, 9.0, 6.0], "chain B": [7.0, 8.0, 6.0, 7.0],
                            "chain C": [6.0, 6.0, 7.0, 8.0]}, index=["taste", "service", "ambience", "speed"])
    return quality, pd.Series({"taste": 0.4, "service": 0.25, "ambience": 0.2, "speed": 0.15})


def test_head_to_head_by_hand(coffee):
    quality, weights = coffee
    table = cl.satisfaction.head_to_head(quality, weights, "us", "chain B")
    # taste +1 x 0.40, service -1 x 0.25, ambience +3 x 0.20, speed -1 x 0.15
    assert table["weighted_difference"].drop("total").to_dict() == pytest.approx(
        {"taste": 0.40, "service": -0.25, "ambience": 0.60, "speed": -0.15})
    total = table.loc["total"]
    assert total["weighted_difference"] == pytest.approx(0.60) == total["us"] - total["competitor"]
    assert total[["us", "competitor", "weight"]].tolist() == pytest.approx([7.65, 7.05, 1.0])
    ax = cl.plotting.plot_head_to_head(table)
    assert len(ax.patches) == 4 and sum(p.get_width() for p in ax.patches) == pytest.approx(1.0)
    assert sum(p.get_width() * p.get_height() for p in ax.patches) == pytest.approx(0.60)  # areas = weighted gaps
    plt.close("all")
    with pytest.raises(DataError, match="itself"):
        cl.satisfaction.head_to_head(quality, weights, "us", "us")
    with pytest.raises(DataError, match="'chain D'"):
        cl.satisfaction.head_to_head(quality, weights, "us", "chain D")


def test_value_map_needs_the_direction_of_its_price_ratings(coffee):
    quality, weights = coffee
    price = pd.DataFrame({"us": [7.0], "chain B": [6.0], "chain C": [5.0]}, index=["price"])
    with pytest.raises(TypeError, match="price_ratings"):
        value_map(quality, weights, price, pd.Series({"price": 1.0}))  # no silent default
    with pytest.raises(ValueError, match="'level'.*'satisfaction'"):
        value_map(quality, weights, price, pd.Series({"price": 1.0}), price_ratings="price")
    level = value_map(quality, weights, price, pd.Series({"price": 1.0}), price_ratings="level")
    assert level.loc["us", "price_ratio"] == pytest.approx(7.0 / 5.5)
    assert level.loc["us", "price_competitiveness_index"] == pytest.approx(5.5 / 7.0)
    assert level.attrs["price_ratings"] == "level"


def test_value_map_keeps_the_coffee_example_of_notebook_06(coffee):
    quality, weights = coffee
    price = pd.DataFrame({"us": [7.0, 6.0], "chain B": [6.0, 6.0], "chain C": [5.0, 7.0]},
                         index=["price level", "loyalty discounts"])
    table = value_map(quality, weights, price, pd.Series({"price level": 0.8, "loyalty discounts": 0.2}),
                      price_ratings="level")
    # us: quality 0.4·8/6.5 + 0.25·7/7 + 0.2·9/6.5 + 0.15·6/7.5; price 0.8·7/5.5 + 0.2·6/6.5
    assert table.loc["us", "quality_ratio"] == pytest.approx(0.4 * 8 / 6.5 + 0.25 + 0.2 * 9 / 6.5 + 0.15 * 6 / 7.5)
    assert table.loc["us", "price_ratio"] == pytest.approx(0.8 * 7 / 5.5 + 0.2 * 6 / 6.5)
    assert table["quadrant"].to_dict() == {"us": "high quality, high price", "chain B": "low price, high quality",
                                           "chain C": "low quality, low price"}
    assert table["position"].to_dict() == {"us": "worse value", "chain B": "better value", "chain C": "better value"}


@given(st.lists(st.floats(0.5, 10), min_size=2, max_size=5, unique=True), st.floats(0.5, 10))
@settings(max_examples=30, deadline=None)
def test_price_satisfaction_reads_opposite_to_a_price_level(ratings, quality_rating):
    names = [f"c{i}" for i in range(len(ratings))]
    quality = pd.DataFrame([[quality_rating] * len(names)], columns=names, index=["q"])
    price = pd.DataFrame([ratings], columns=names, index=["p"])
    one = pd.Series({"q": 1.0}), pd.Series({"p": 1.0})
    satisfaction = value_map(quality, one[0], price, one[1], price_ratings="satisfaction")
    level = value_map(quality, one[0], price, one[1], price_ratings="level")
    # the more a competitor's price pleases, the lower its relative price; as a level, the higher
    order = sorted(names, key=dict(zip(names, ratings, strict=True)).get)
    assert satisfaction.loc[order, "price_ratio"].is_monotonic_decreasing
    assert level.loc[order, "price_ratio"].is_monotonic_increasing
    assert satisfaction["quality_ratio"].to_numpy() == pytest.approx([1.0] * len(names))
    if len(names) == 2:  # one rival: satisfaction s reads like the level 1/s, and index and ratio are reciprocals
        inverse = value_map(quality, one[0], 1 / price, one[1], price_ratings="level")
        assert satisfaction["price_ratio"].to_numpy() == pytest.approx(inverse["price_ratio"].to_numpy())
        assert (satisfaction["price_ratio"] * satisfaction["price_competitiveness_index"]).to_numpy() == \
            pytest.approx([1.0, 1.0])


def test_gale_price_indices_reject_what_is_not_a_rating():
    for bad in (0, -8.3, float("nan"), "8.3", True):
        with pytest.raises(DataError, match="positive number"):
            cl.satisfaction.gale_price_indices(bad, 7.0)


def test_value_map_rejects_bad_ratings_and_weights(coffee):
    quality, weights = coffee
    price = pd.DataFrame({"us": [7.0], "chain B": [6.0], "chain C": [5.0]}, index=["price"])
    cases = [(quality.assign(us=[8.0, None, 9.0, 6.0]), weights, price, "service"),
             (quality.assign(us=[8.0, -1.0, 9.0, 6.0]), weights, price, "positive"),
             (quality, weights.drop("speed"), price, "no weight.*speed"),
             (quality, pd.concat([weights, pd.Series({"smell": 1.0})]), price, "smell"),
             (quality, weights, price.drop(columns="chain C"), "same competitors"),
             (quality[["us"]], weights, price[["us"]], "at least two")]
    for q, w, p, message in cases:
        with pytest.raises(DataError, match=message):
            value_map(q, w, p, pd.Series({"price": 1.0}), price_ratings="level")


# --------------------------------------------------------------------------- win/loss, key events, What/Who

def test_win_loss_analysis_by_hand():
    deals = pd.DataFrame({"outcome": ["won", "lost", "lost", "Won ", "lost", "won"],
                          "reason": ["quality", "price", "price", "price", None, " "]})
    table = cl.satisfaction.win_loss_analysis(deals)
    assert table.loc["price", ["won", "lost", "deals"]].tolist() == [1, 2, 3]
    assert table.loc["price", "win_rate"] == pytest.approx(1 / 3)
    assert table.loc["no reason recorded", ["won", "lost"]].tolist() == [1, 1]  # blank and missing are counted
    assert table["deals"].sum() == len(deals) and table.index[0] == "price"
    assert table["share_of_losses"].sum() == pytest.approx(1) and table["share_of_wins"].sum() == pytest.approx(1)
    assert table.attrs["win_rate"] == pytest.approx(0.5)
    with pytest.raises(DataError, match="'won' or 'lost'.*rows \\[1\\]"):
        cl.satisfaction.win_loss_analysis(deals.assign(outcome=["won", "pending", "lost", "won", "lost", "won"]))
    with pytest.raises(MissingColumnError, match="why"):
        cl.satisfaction.win_loss_analysis(deals, reason="why")


def test_key_events_read_the_measure_around_each_event():
    share = pd.Series([30.0, 30.5, 33.0, 33.2, 31.0, 31.1], index=pd.Index(range(1, 7), name="quarter"))
    events = pd.DataFrame({"quarter": [5, 3], "event": ["rival's price cut", "loyalty card"]})
    table = cl.satisfaction.key_events(events, share)
    assert table["event"].tolist() == ["loyalty card", "rival's price cut"]  # in time order
    assert table["before"].tolist() == [30.5, 33.2] and table["after"].tolist() == [33.0, 31.0]
    assert table["change"].tolist() == pytest.approx([2.5, -2.2])
    later = cl.satisfaction.key_events(events, share, lag=2)
    assert later["after"].tolist() == [33.2, 31.1]
    with pytest.raises(DataError, match="outside"):
        cl.satisfaction.key_events(pd.DataFrame({"quarter": [1]}), share)  # nothing before the first quarter
    with pytest.raises(DataError, match="increasing"):
        cl.satisfaction.key_events(events, share.iloc[::-1])
    with pytest.raises(DataError, match="cannot be compared"):
        cl.satisfaction.key_events(events.assign(quarter=pd.to_datetime(["2011-01-01", "2011-04-01"])), share)
    with pytest.raises(DataError, match="events \\[1\\] have no 'quarter'"):
        cl.satisfaction.key_events(events.assign(quarter=[5, None]), share)


def test_what_who_matrix_by_hand():
    shortfall = pd.Series({"service": 0.25, "speed": 0.15, "taste": 0.0})
    who = pd.DataFrame({"kitchen": [0, 1, 1], "front": [1, 1, 0], "training": [1, 0, 0]},
                       index=["service", "speed", "taste"])
    matrix = cl.satisfaction.what_who_matrix(shortfall, who)
    assert matrix.loc["total"].to_dict() == pytest.approx({"kitchen": 0.075, "front": 0.2, "training": 0.125})
    assert matrix.loc["service"].tolist() == pytest.approx([0.0, 0.125, 0.125])
    assert matrix.loc["total"].sum() == pytest.approx(shortfall.sum())
    with pytest.raises(DataError, match="nobody is responsible for \\['taste'\\]"):
        cl.satisfaction.what_who_matrix(shortfall, who.assign(kitchen=[0, 1, 0]))
    with pytest.raises(DataError, match="no department.*'price'"):
        cl.satisfaction.what_who_matrix(pd.concat([shortfall, pd.Series({"price": 0.1})]), who)
