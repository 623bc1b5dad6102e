"""The data-quality report in both languages: the same accounting, read in English or in Chinese.

Small logs worked by hand: a missing customer, an exact duplicate and a cancellation netted against an
earlier purchase (in money, and in units of the same product), which takes the whole later purchase and part of
the first one.
"""

from __future__ import annotations

import copy
import json
import pickle
import re

import pandas as pd
import pytest

from crmlab.i18n import term
from crmlab.quality import CHECKS, DROP_REASONS, MODIFICATIONS, ReportNote
from crmlab.transactions import ColumnMap, clean, validate

IN_MONEY = pd.DataFrame({
    "customer_id": ["a", "a", "a", None, "b", "b"],
    "date": ["2020-01-01", "2020-01-05", "2020-01-06", "2020-01-02", "2020-01-03", "2020-01-03"],
    "amount": [100.0, 50.0, -70.0, 5.0, 30.0, 30.0],
})
IN_UNITS = pd.DataFrame({
    "customer_id": ["a", "a", "a", None, "b", "b"],
    "date": ["2020-01-01", "2020-01-05", "2020-01-06", "2020-01-02", "2020-01-03", "2020-01-03"],
    "quantity": [10, 4, -6, 1, 2, 2], "price": [2.0, 2.0, 2.0, 1.0, 3.0, 3.0],
    "product": ["x", "x", "x", "y", "z", "z"],
})
UNITS = ColumnMap(amount=None, quantity="quantity", price="price", product="product")

# what may stay Latin in a Chinese report: the row keys (used in code: report.dropped["duplicate"]), the policy
# settings (keyword arguments of clean), the name of an in-memory source and the "C" of cancellation invoices
KEYS = {*CHECKS, *DROP_REASONS, *MODIFICATIONS, "rows_kept", "DataFrame", "duplicates", "cancellations",
        "zero_value", "invalid_dates", "invalid_amounts", "mixed_time_zones", "drop", "net", "keep", "raise", "C"}


def test_every_text_of_the_report_has_a_chinese_term():
    texts = [*CHECKS.values(), *DROP_REASONS.values(), *MODIFICATIONS.values(), "rows kept for analysis",
             "found", "dropped", "modified", "kept", "item", "description", "rows", "share"]
    untranslated = [text for text in texts if not re.search(r"[\u4e00-\u9fff]", term(text, "zh"))]
    assert not untranslated, f"add these to a catalogue in crmlab/locale: {untranslated}"


@pytest.mark.parametrize("log, columns", [(IN_MONEY, ColumnMap()), (IN_UNITS, UNITS)], ids=["money", "units"])
def test_a_chinese_report_tells_the_same_accounting_in_chinese(log, columns):
    _, english = clean(log, columns)
    _, chinese = clean(log, columns, lang="zh")
    assert chinese.to_frame().equals(english.to_frame()) and chinese.dropped_rows.equals(english.dropped_rows)
    assert english.dropped["missing_customer"] == english.dropped["duplicate"] == 1
    # a's cancellation takes the whole later purchase (50, or 4 units) and 20 (2 units) of the first one
    assert english.dropped["cancellation_netted"] == english.dropped["fully_cancelled"] == 1
    assert english.modified["reduced_by_cancellation"] == 1
    assert str(english).startswith("Data quality report: DataFrame (6 rows) — 6 rows, 2 customers; kept 2 rows "
                                   "(33.3%) of 2 customers")
    for text in (str(chinese), chinese._repr_html_()):
        assert "数据质量报告" in text and "清洗规则" in text and "取消已按" in text
        words = set(re.findall(r"[A-Za-z_]+", re.sub(r"<[^>]*>|&\w+;|T_\w+", " ", text)))
        assert words <= KEYS, f"English left in the Chinese report: {sorted(words - KEYS)}"
    assert str(validate(log, columns, lang="zh")).startswith("数据质量报告：DataFrame — 共 6 行，2 位客户\n")


def test_report_notes_are_their_english_text_and_translate():
    note = ReportNote("quality_note_netted_money", cancellations=1, reduced=1, full=0, unmatched=20.0)
    assert note == ("cancellations netted against earlier purchases (money): 1 cancellation rows, 1 purchases reduced, "
                    "0 cancelled in full; 20 money of cancellations had no earlier purchase to net against")
    assert note.text("zh").startswith("取消已按金额") and "20" in note.text("zh")
    for copied in (pickle.loads(pickle.dumps(note)), copy.deepcopy(note)):
        assert copied == note and copied.text("zh") == note.text("zh")
    assert json.loads(json.dumps([note])) == [str(note)]


@pytest.mark.parametrize("check", [validate, clean], ids=["validate", "clean"])
def test_an_unknown_language_is_refused(check):
    with pytest.raises(ValueError, match="lang must be 'en'"):
        check(IN_MONEY, lang="fr")
