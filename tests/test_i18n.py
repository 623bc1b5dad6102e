"""Labels and sentences in both languages: the catalogues are consistent, tables read well."""

from __future__ import annotations

import pandas as pd
import pytest

import crmlab as cl
from crmlab import display, i18n


def test_every_message_has_both_languages_and_the_same_fields():
    import string

    for key, texts in i18n.messages().items():
        fields = [{name for _, name, _, _ in string.Formatter().parse(texts[lang]) if name} for lang in i18n.LANGS]
        assert fields[0] == fields[1], key


def test_translate_changes_labels_not_data():
    frame = pd.DataFrame({"customers": [3, 4], "strategy": ["x", "customers"]},
                         index=pd.Index(["a", "b"], name="segment"))
    chinese = i18n.translate(frame, "zh")
    assert list(chinese.columns) == ["客户数", "建议策略"] and chinese.index.name == "客户群"
    assert chinese["客户数"].tolist() == [3, 4] and chinese["建议策略"].tolist() == ["x", "客户数"]
    assert i18n.translate(frame, "en") is frame and list(frame.columns) == ["customers", "strategy"]
    with pytest.raises(ValueError, match="lang must be"):
        i18n.translate(frame, "fr")


def test_messages_fill_their_fields_and_name_what_is_missing():
    assert i18n.message("top_share", "en", top=0.2, share=0.7431, what="revenue") == \
        "The top 20% of customers bring 74.3% of revenue."
    with pytest.raises(TypeError, match="needs the value 'share'"):
        i18n.message("top_share", "zh", top=0.2, what="收入")
    with pytest.raises(KeyError, match="no message 'nothing'"):
        i18n.message("nothing")


def test_listings_follow_the_language():
    assert i18n.listing(["customers", ("revenue", "profit")]) == "customers, revenue–profit"
    assert i18n.listing(["customers", ("revenue", "profit")], "zh") == "客户数、收入–利润"
    assert i18n.listing([("revenue", "profit")], "zh", pair=" → ") == "收入 → 利润"
    assert i18n.listing([], "zh") == ""


def test_tables_show_shares_as_percentages_and_money_with_separators():
    frame = pd.DataFrame({"customers": [1200, 30], "customer_share": [0.97561, 0.02439], "clv": [12345.678, 9.5]},
                         index=pd.Index(["champions", "lost"], name="segment"))
    shown = display.table(frame, money=["clv"])
    assert shown.strings.loc["champions"].tolist() == ["1,200", "97.6%", "12,346"]
    assert shown.strings.loc["lost"].tolist() == ["30", "2.4%", "9.50"]
    assert "客户占比" in repr(display.table(frame, "zh")) and "text-align: right" in shown._repr_html_()
    with pytest.raises(ValueError, match="not in the table"):
        display.table(frame, percent=["share"])
    p_values = pd.DataFrame({"p_value": [0.0312, 0.5]})
    assert display.table(p_values).strings["p_value"].tolist() == ["3.1%", "50.0%"]  # a name that reads as a share
    assert display.table(p_values, number=["p_value"], decimals=3).strings["p_value"].tolist() == ["0.031", "0.500"]
    sentence = display.note("top_share", "zh", top=0.2, share=0.5, what="收入")
    assert repr(sentence) == sentence._repr_markdown_() == "排名前 20% 的客户贡献了 50.0% 的收入。"


def test_the_lab_modules_are_reachable_from_the_package():
    assert cl.i18n is i18n and cl.display is display and cl.frames.table_info is not None


def test_verbatim_columns_keep_their_values_and_translate_their_header():
    frame = pd.DataFrame({"segment": ["customers"], "English": ["customers"]})
    shown = display.table(frame, "zh", verbatim=["English"])
    assert shown.strings.loc[0].tolist() == ["客户数", "customers"] and list(shown.strings.columns)[0] == "客户群"
    with pytest.raises(ValueError, match="not in the table"):
        display.table(frame, "zh", verbatim=["meaning"])


def test_ids_are_labels_not_quantities():
    frame = pd.DataFrame({"customer_id": [12347, 12348], "revenue": [12345.0, 10.0]})
    shown = display.table(frame)
    assert shown.strings["customer_id"].tolist() == ["12347", "12348"]
    assert shown.strings["revenue"].tolist() == ["12,345", "10"]
