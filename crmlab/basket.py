"""Relationship depth (深度成长): product co-purchase (cross-selling), one-to-one offers and depth measures.

Cross-selling (交叉销售) looks for products bought together. For a pair of products A, B
over N baskets:

* support(A, B) = n(A and B) / N, the share of baskets holding both;
* confidence(A → B) = n(A and B) / n(A), the share of A's baskets that also hold B;
* lift(A, B) = support(A, B) / (support(A) support(B)), how much more often the pair
  occurs than if the two were bought independently (Agrawal, Imieliński & Swami 1993;
  Brin et al. 1997 for lift).

The baskets × products incidence matrix is sparse (an Online Retail basket holds about
20 of 3,600 products), so pair counts come from one sparse product XᵀX over the
products that can reach ``min_support`` on their own — the Apriori pruning step, which
is all pairs need. Classic association-rule libraries (mlxtend) work on a dense
boolean table and enumerate longer item sets; for pairs on tens of thousands of baskets
the sparse product is simpler and faster.

One-to-one offers (一对一营销, 教材 004 §2.2.4): for each customer, the products the rules point to from what
that customer has already bought (:func:`one_to_one_offers`).

Depth (深度, 教材 000 客户关系的深度成长): how many different products and product types a customer buys, and a
share-of-wallet proxy (荷包份额) — the customer's spend against the spend of the strongest buyers among
comparable customers, since a firm rarely sees what customers spend elsewhere. (Breadth, 宽度, is the number of
customers — see :mod:`crmlab.growth`.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from .errors import DataError, EmptyDataError, MissingColumnError

__all__ = ["Baskets", "basket_matrix", "cross_sell_opportunities", "one_to_one_offers", "product_pairs",
           "product_type", "relationship_depth"]


@dataclass(frozen=True)
class Baskets:
    """A sparse baskets × products 0/1 matrix with its row (basket) and column (product) labels."""

    matrix: sparse.csr_matrix
    baskets: pd.Index
    products: pd.Index

    @property
    def n_baskets(self) -> int:
        return self.matrix.shape[0]


def _require(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingColumnError(f"{what} needs columns {missing}; have {list(frame.columns)}")


def basket_matrix(transactions: pd.DataFrame, *, basket_col: str = "invoice", product_col: str = "product"
                  ) -> Baskets:
    """The incidence matrix: entry (b, p) is 1 when basket b holds product p (quantities are ignored).

    Raises EmptyDataError for a log without lines and DataError for lines without a product or basket
    (drop them, or fill them, first: an empty product would count as a product of its own).
    """
    _require(transactions, (basket_col, product_col), "basket_matrix")
    if transactions.empty:
        raise EmptyDataError("the transaction log is empty: there are no baskets to analyse")
    missing = transactions[[basket_col, product_col]].isna().any(axis=1)
    if missing.any():
        raise DataError(f"{int(missing.sum()):,} lines have no {basket_col!r} or {product_col!r}; such lines make "
                        "empty baskets or a blank product. Drop them (or give them an id) first.")
    rows, baskets = pd.factorize(transactions[basket_col], sort=True)
    cols, products = pd.factorize(transactions[product_col], sort=True)
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype="int32"), (rows, cols)),
                               shape=(len(baskets), len(products)))
    matrix.data[:] = 1  # a product on several lines of one basket counts once
    return Baskets(matrix, pd.Index(baskets, name=basket_col), pd.Index(products, name=product_col))


def product_pairs(baskets: Baskets, *, min_support: float = 0.01, min_confidence: float = 0.0) -> pd.DataFrame:
    """Support, confidence (both directions) and lift of every product pair with support >= ``min_support``.

    Rows are sorted by lift, then support (descending); ``product_a`` < ``product_b``. Pairs reaching the
    support but below ``min_confidence`` in both directions are dropped.
    """
    if not 0 < min_support <= 1:
        raise DataError(f"min_support is a share of baskets in (0, 1], got {min_support}")
    if not 0 <= min_confidence <= 1:
        raise DataError(f"min_confidence is a probability in [0, 1], got {min_confidence}")
    n = baskets.n_baskets
    if n == 0:
        raise EmptyDataError("there are no baskets")
    item_counts = np.asarray(baskets.matrix.sum(axis=0)).ravel()
    threshold = min_support * n * (1 - 1e-12)  # a pair can only reach the support if both products do
    frequent = np.flatnonzero(item_counts >= threshold)
    sub = baskets.matrix[:, frequent].astype("float64")
    together = sparse.triu(sub.T @ sub, k=1).tocoo()
    keep = together.data >= threshold
    a, b, count = frequent[together.row[keep]], frequent[together.col[keep]], together.data[keep]
    n_a, n_b = item_counts[a], item_counts[b]
    table = pd.DataFrame({
        "product_a": baskets.products[a], "product_b": baskets.products[b], "baskets": count.astype("int64"),
        "support": count / n, "confidence_a_to_b": count / n_a, "confidence_b_to_a": count / n_b,
        "lift": count * n / (n_a * n_b),
    })
    table = table[np.maximum(table["confidence_a_to_b"], table["confidence_b_to_a"]) >= min_confidence]
    return table.sort_values(["lift", "support", "product_a", "product_b"], ascending=[False, False, True, True],
                             kind="stable").reset_index(drop=True)


def cross_sell_opportunities(transactions: pd.DataFrame, segments: pd.Series, *, top: int = 5,
                             min_support: float = 0.02, min_confidence: float = 0.3, customer_col: str = "customer_id",
                             basket_col: str = "invoice", product_col: str = "product") -> pd.DataFrame:
    """The strongest product pairs within each customer segment: what to offer a segment's buyers of A.

    ``segments`` maps customer id to segment (e.g. RFM segments). For each segment the pairs of
    :func:`product_pairs` over that segment's baskets, best ``top`` by lift among those with the given
    support and confidence; ``recommend`` names the direction with the higher confidence ("buyers of A → B").
    """
    _require(transactions, (customer_col, basket_col, product_col), "cross_sell_opportunities")
    segment_of = transactions[customer_col].map(segments)
    unassigned = segment_of.isna()
    if unassigned.all():
        raise DataError("no transaction belongs to a customer in `segments`; check that both use the same ids")
    tables = []
    for segment, lines in transactions[~unassigned].groupby(segment_of[~unassigned], sort=True):
        pairs = product_pairs(basket_matrix(lines, basket_col=basket_col, product_col=product_col),
                              min_support=min_support, min_confidence=min_confidence).head(top)
        forward = pairs["confidence_a_to_b"] >= pairs["confidence_b_to_a"]
        pairs["recommend"] = np.where(forward, "buyers of " + pairs["product_a"].astype(str) + " → "
                                      + pairs["product_b"].astype(str),
                                      "buyers of " + pairs["product_b"].astype(str) + " → "
                                      + pairs["product_a"].astype(str))
        pairs.insert(0, "segment", segment)
        pairs.insert(1, "segment_baskets", lines[basket_col].nunique())
        tables.append(pairs)
    return pd.concat(tables, ignore_index=True)


def product_type(descriptions: pd.Series) -> pd.Series:
    """A transparent product-type proxy where a catalogue has no categories: the last word of the description.

    Online Retail describes products as "WHITE HANGING HEART T-LIGHT HOLDER", "JUMBO BAG RED RETROSPOT",
    "SET OF 6 SPICE TINS PANTRY DESIGN"; the closing noun (HOLDER, RETROSPOT, DESIGN) is often the kind of
    product and sometimes a pattern name, so treat the result as coarse.
    """
    codes, uniques = pd.factorize(descriptions)  # a catalogue repeats few descriptions many times: work on each once
    words = pd.Series(uniques).astype("string").str.strip().str.upper().str.split().str[-1].to_numpy(dtype=object)
    types = pd.Series(np.where(codes >= 0, words[np.maximum(codes, 0)] if len(words) else None, None),
                      index=descriptions.index, dtype="string")
    return types.fillna("UNKNOWN").rename("product_type")


def relationship_depth(transactions: pd.DataFrame, *, category_col: str | None = None, peer_col: str | None = None,
                       quantile: float = 0.9, customer_col: str = "customer_id", product_col: str = "product",
                       amount_col: str = "amount") -> pd.DataFrame:
    """Depth of each customer's relationship (深度): distinct products, categories, spend, share-of-wallet proxy.

    教材 000 puts cross- and up-selling under depth growth (客户关系的深度成长). It does not say how to measure depth;
    it lists a higher share of wallet (较高的荷包份额) as one of the cash flows of growth potential (成长潜力, 000
    客户资产与客户终身价值解构), which is why the lab reports a share-of-wallet proxy beside products and categories.

    The proxy divides the customer's spend by the ``quantile`` of spend among their peers (customers with
    the same ``peer_col`` value, e.g. country; everyone without it), capped at 1: how close the customer
    comes to what the firm's strongest comparable buyers spend with it. It is a proxy — true share of
    wallet needs the customer's spend at competitors, which only a survey can give.
    """
    _require(transactions, [customer_col, product_col, amount_col, *(c for c in (category_col, peer_col) if c)],
             "relationship_depth")
    if transactions.empty:
        raise EmptyDataError("the transaction log is empty")
    if not 0 < quantile <= 1:
        raise DataError(f"quantile must be in (0, 1], got {quantile}")
    grouped = transactions.groupby(customer_col)
    table = pd.DataFrame({"products": grouped[product_col].nunique(), "spend": grouped[amount_col].sum()})
    if category_col:
        table.insert(1, "categories", grouped[category_col].nunique())
    peers = grouped[peer_col].first() if peer_col else pd.Series("all", index=table.index)
    benchmark = table["spend"].groupby(peers).transform(lambda spend: spend.quantile(quantile))
    table["peer_group"] = peers
    table["share_of_wallet_proxy"] = (table["spend"].clip(lower=0) / benchmark.where(benchmark > 0)).clip(upper=1)
    return table


def one_to_one_offers(transactions: pd.DataFrame, pairs: pd.DataFrame, *, top: int = 3, metric: str = "lift",
                      customer_col: str = "customer_id", product_col: str = "product") -> pd.DataFrame:
    """For each customer, the ``top`` products not yet bought that the co-purchase rules point to (一对一营销).

    教材 004 §2.2.4: one-to-one marketing segments first, then addresses each customer individually, from what that
    customer has shown. Every pair of :func:`product_pairs` gives two rules, A → B and B → A. A customer who has
    bought A is offered B (not yet bought) with the rule's score — ``lift`` (the same both ways) or
    ``confidence`` (P(B | A), the rule's own direction); a product reached from several bought products takes
    the best score, and ``because_of`` names the bought product behind it. Returns one row per customer and offer
    (``rank`` 1 = best); customers none of whose products starts a rule get one row with ``rank`` 0 and no
    product, so every customer of the log is accounted for.
    """
    _require(transactions, (customer_col, product_col), "one_to_one_offers")
    _require(pairs, ("product_a", "product_b", "lift", "confidence_a_to_b", "confidence_b_to_a"), "one_to_one_offers")
    if metric not in ("lift", "confidence"):
        raise DataError(f"metric must be 'lift' or 'confidence', got {metric!r}")
    if int(top) != top or top < 1:
        raise DataError(f"top must be a whole number >= 1, got {top!r}")
    if transactions.empty:
        raise EmptyDataError("the transaction log is empty: there is nobody to make an offer to")
    forward = pairs["lift"] if metric == "lift" else pairs["confidence_a_to_b"]
    backward = pairs["lift"] if metric == "lift" else pairs["confidence_b_to_a"]
    rules = pd.concat([
        pd.DataFrame({"antecedent": pairs["product_a"], "product": pairs["product_b"], "score": forward}),
        pd.DataFrame({"antecedent": pairs["product_b"], "product": pairs["product_a"], "score": backward}),
    ], ignore_index=True)
    bought = transactions[[customer_col, product_col]].drop_duplicates()
    bought.columns = ["customer", "antecedent"]
    candidates = bought.merge(rules, on="antecedent")
    owned = pd.MultiIndex.from_frame(bought.rename(columns={"antecedent": "product"}))
    candidates = candidates[~pd.MultiIndex.from_frame(candidates[["customer", "product"]]).isin(owned)]
    best = (candidates.sort_values(["customer", "score", "product", "antecedent"],
                                   ascending=[True, False, True, True], kind="stable")
            .drop_duplicates(["customer", "product"]))
    best["rank"] = best.groupby("customer").cumcount() + 1
    offers = best[best["rank"] <= top].rename(columns={"antecedent": "because_of"})
    everyone = pd.Index(bought["customer"].unique())
    without = everyone.difference(pd.Index(offers["customer"].unique()))
    table = offers[["customer", "rank", "product", "score", "because_of"]]
    if len(without):
        none = pd.DataFrame({"customer": without, "rank": 0, "product": pd.Series([None] * len(without), dtype=object),
                             "score": np.nan, "because_of": pd.Series([None] * len(without), dtype=object)})
        table = pd.concat([table, none], ignore_index=True) if len(table) else none
    table = table.rename(columns={"customer": customer_col}).sort_values([customer_col, "rank"], kind="stable")
    return table.reset_index(drop=True)
