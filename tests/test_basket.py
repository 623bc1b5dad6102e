"""Co-purchase pairs against a brute-force count, depth measures and one-to-one offers by hand, clear errors."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from crmlab import basket
from crmlab.errors import DataError, EmptyDataError


def _random_log(rng, n_baskets=300, n_products=12):
    lines = []
    for b in range(n_baskets):
        size = rng.integers(1, 6)
        chosen = rng.choice(n_products, size=size, replace=True, p=np.linspace(2, 1, n_products) / 18)
        lines += [(f"inv{b:03d}", f"p{p:02d}", b % 7) for p in chosen]  # repeats: a product on two lines
    return pd.DataFrame(lines, columns=["invoice", "product", "customer_id"])


def test_pairs_match_a_brute_force_count(rng):
    log = _random_log(rng)
    pairs = basket.product_pairs(basket.basket_matrix(log), min_support=0.02)
    sets = log.groupby("invoice")["product"].agg(set)
    n = len(sets)
    expected = {}
    for a, b in itertools.combinations(sorted(log["product"].unique()), 2):
        both = sum(a in s and b in s for s in sets)
        if both / n >= 0.02:
            n_a, n_b = sum(a in s for s in sets), sum(b in s for s in sets)
            expected[(a, b)] = (both / n, both / n_a, both / n_b, both * n / (n_a * n_b))
    got = {(r.product_a, r.product_b): (r.support, r.confidence_a_to_b, r.confidence_b_to_a, r.lift)
           for r in pairs.itertuples()}
    assert got.keys() == expected.keys()
    for key, values in expected.items():
        assert got[key] == pytest.approx(values)
    assert pairs["lift"].is_monotonic_decreasing


def test_confidence_filter_and_argument_checks(rng):
    baskets = basket.basket_matrix(_random_log(rng))
    strict = basket.product_pairs(baskets, min_support=0.02, min_confidence=0.3)
    assert (np.maximum(strict["confidence_a_to_b"], strict["confidence_b_to_a"]) >= 0.3).all()
    with pytest.raises(ValueError, match="min_support is a share"):
        basket.product_pairs(baskets, min_support=0)
    with pytest.raises(ValueError, match="min_confidence is a probability"):
        basket.product_pairs(baskets, min_confidence=1.5)


def test_empty_and_incomplete_baskets_get_clear_errors():
    with pytest.raises(EmptyDataError, match="no baskets"):
        basket.basket_matrix(pd.DataFrame({"invoice": [], "product": []}))
    with pytest.raises(DataError, match="1 lines have no 'invoice' or 'product'"):
        basket.basket_matrix(pd.DataFrame({"invoice": ["a", "a"], "product": ["x", None]}))


def test_cross_sell_opportunities_per_segment(rng):
    log = _random_log(rng)
    segments = pd.Series({c: "even" if c % 2 == 0 else "odd" for c in range(7)})
    table = basket.cross_sell_opportunities(log, segments, top=3, min_support=0.02, min_confidence=0.0)
    assert set(table["segment"]) == {"even", "odd"}
    assert table.groupby("segment").size().max() <= 3
    even = log[log["customer_id"].map(segments) == "even"]
    alone = basket.product_pairs(basket.basket_matrix(even), min_support=0.02).head(3)
    assert table.loc[table["segment"] == "even", "lift"].tolist() == pytest.approx(alone["lift"].tolist())
    first = table.iloc[0]
    source = first["product_a"] if first["confidence_a_to_b"] >= first["confidence_b_to_a"] else first["product_b"]
    assert first["recommend"].startswith(f"buyers of {source} → ")


def test_product_type_is_the_last_word():
    names = pd.Series(["WHITE HANGING HEART T-LIGHT HOLDER", " jumbo bag red retrospot ", None])
    assert basket.product_type(names).tolist() == ["HOLDER", "RETROSPOT", "UNKNOWN"]


def test_relationship_depth_by_hand():
    log = pd.DataFrame({
        "customer_id": [1, 1, 1, 2, 3, 3],
        "product": ["a", "b", "a", "a", "c", "d"],
        "kind": ["x", "y", "x", "x", "x", "x"],
        "amount": [10.0, 20.0, 10.0, 5.0, 100.0, 60.0],
        "country": ["UK", "UK", "UK", "UK", "FR", "FR"],
    })
    table = basket.relationship_depth(log, category_col="kind", peer_col="country", quantile=1.0)
    assert table["products"].tolist() == [2, 1, 2]
    assert table["categories"].tolist() == [2, 1, 1]
    assert table["spend"].tolist() == [40.0, 5.0, 160.0]
    # UK peers: the top spender (40) is the benchmark; FR has one customer
    assert table["share_of_wallet_proxy"].tolist() == pytest.approx([1.0, 5 / 40, 1.0])


def _toy():
    """Four baskets: bread+butter twice, bread+jam, tea alone; customers 1-3 (customer 3 bought only tea)."""
    log = pd.DataFrame({
        "invoice": ["b1", "b1", "b2", "b2", "b3", "b3", "b4"],
        "product": ["bread", "butter", "bread", "butter", "bread", "jam", "tea"],
        "customer_id": [1, 1, 2, 2, 1, 1, 3],
    })
    return log, basket.product_pairs(basket.basket_matrix(log), min_support=0.2)


def test_one_to_one_offers_on_a_toy_log():
    log, pairs = _toy()
    # pairs: bread-butter (2 of 4 baskets, lift 4 x 2 / (3 x 2) = 4/3), bread-jam (1 of 4, lift 4 / 3 too)
    assert len(pairs) == 2
    offers = basket.one_to_one_offers(log.iloc[[2, 3, 6]], pairs, top=3)  # customer 2 (bread, butter), 3 (tea)
    two = offers[offers["customer_id"] == 2]
    assert two[["rank", "product", "because_of"]].values.tolist() == [[1, "jam", "bread"]]
    assert two["score"].iloc[0] == pytest.approx(4 / 3)
    three = offers[offers["customer_id"] == 3]
    assert three["rank"].tolist() == [0] and three["product"].isna().all()  # tea starts no rule: listed, no offer
    by_confidence = basket.one_to_one_offers(log, pairs, metric="confidence")
    one = by_confidence[by_confidence["customer_id"] == 1]
    assert one["rank"].tolist() == [0]  # customer 1 already has bread, butter and jam


def test_one_to_one_offers_keep_every_customer_and_skip_what_they_own(rng):
    log = _random_log(rng)
    pairs = basket.product_pairs(basket.basket_matrix(log), min_support=0.02)
    offers = basket.one_to_one_offers(log, pairs, top=2, metric="confidence")
    assert set(offers["customer_id"]) == set(log["customer_id"])
    owned = set(zip(log["customer_id"], log["product"], strict=True))
    assert not any((c, p) in owned for c, p in zip(offers["customer_id"], offers["product"], strict=True))
    assert offers.groupby("customer_id")["rank"].max().le(2).all()
    with pytest.raises(DataError, match="metric must be"):
        basket.one_to_one_offers(log, pairs, metric="support")
    with pytest.raises(DataError, match="top must be"):
        basket.one_to_one_offers(log, pairs, top=0)
