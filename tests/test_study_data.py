"""The log a notebook studies (crmlab.study_data): one loader, the calibration/holdout dates, the cells an analyst's
run leaves out, and what `crmlab study new` proposes for a file's header and dates."""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import AmbiguousDateError, ObservationPeriodError
from crmlab.study_data import (
    BUNDLED_TAG,
    StudyLog,
    load_study_log,
    propose_columns,
    propose_date_format,
    study_periods,
    without_bundled_cells,
)
from crmlab.transactions import ColumnMap


def _own(tmp_path, text: str, encoding: str = "utf-8", **options) -> StudyLog:
    path = tmp_path / "orders.csv"
    path.write_bytes(text.encode(encoding))
    return load_study_log(path, {"customer": "客户编号", "date": "订单日期", "amount": "金额"}, **options)


def test_an_analysts_file_is_read_with_its_options_and_named_by_its_label(tmp_path):
    data = _own(tmp_path, "客户编号,订单日期,金额\nA,02/10/2023,1\nA,05/10/2023,2\n", encoding="gb18030",
                date_format="%d/%m/%Y", dataset_label="门店订单")
    assert data.own and data.label == "门店订单" and data.attributes == ()
    log, report = data.clean()
    assert list(log["date"]) == [pd.Timestamp("2023-10-02"), pd.Timestamp("2023-10-05")]  # day first, as told
    assert data.span() == (pd.Timestamp("2023-10-02"), pd.Timestamp("2023-10-05"))
    assert report.rows_kept == 2
    assert "**门店订单**" in data.heading(log, report, "zh").text


def test_ambiguous_day_month_order_is_refused_with_the_count_of_rows(tmp_path):
    data = _own(tmp_path, "客户编号,订单日期,金额\nA,02/10/2023,1\nB,03/11/2023,2\nC,2023-12-01,3\n")
    with pytest.raises(AmbiguousDateError, match=r"^2 dates of column '订单日期'"):
        data.clean()


def test_the_bundled_logs_keep_their_names():
    assert load_study_log(bundled="cdnow").label == "CDNOW"
    with pytest.raises(ValueError, match="bundled must be one of"):
        load_study_log(bundled="nothing")
    with pytest.raises(TypeError, match="columns maps roles to column names"):
        load_study_log("orders.csv", columns=["customer"])


def _log(start: str, end: str) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [1, 2], "date": pd.to_datetime([start, end]), "amount": [1.0, 2.0]})


@pytest.mark.parametrize("options, expected", [
    ({}, ("2023-07-02", "2023-12-31")),                                               # the middle of the span
    ({"holdout_length": 13}, ("2023-10-01", "2023-12-31")),                           # 13 weeks before the end
    ({"holdout_length": 3, "time_unit": "M"}, ("2023-09-30", "2023-12-31")),         # 3 months of 30.44 days
    ({"calibration_end": "2023-06-30", "observation_end": "2023-12-01"}, ("2023-06-30", "2023-12-01")),
])
def test_calibration_and_holdout_dates_of_an_own_log(options, expected):
    data = StudyLog(pd.DataFrame(), ColumnMap(), "mine", None)
    assert study_periods(data, _log("2023-01-01", "2023-12-31"), **options) == tuple(map(pd.Timestamp, expected))


def test_cdnow_keeps_the_papers_39_plus_39_weeks():
    data = StudyLog(pd.DataFrame(), ColumnMap(), "CDNOW", "cdnow")
    assert study_periods(data, _log("1997-01-01", "1998-06-30")) == (pd.Timestamp("1997-09-30"),
                                                                      pd.Timestamp("1998-06-30"))


@pytest.mark.parametrize("options, message", [
    ({"holdout_length": 60}, "must end after its first purchase"),
    ({"holdout_length": -1}, "holdout_length is a positive number"),
    ({"calibration_end": "2024-02-01"}, "before the observation end"),
])
def test_impossible_calibration_periods_are_refused(options, message):
    data = StudyLog(pd.DataFrame(), ColumnMap(), "mine", None)
    with pytest.raises(ObservationPeriodError, match=message):
        study_periods(data, _log("2023-01-01", "2023-12-31"), **options)


def test_an_analysts_run_leaves_out_bundled_cells_and_exercises():
    cells = [nbformat.v4.new_markdown_cell("# title"), nbformat.v4.new_code_cell("x = 1"),
             nbformat.v4.new_markdown_cell("On CDNOW ..."), nbformat.v4.new_code_cell("published = 1"),
             nbformat.v4.new_markdown_cell("## 练习\n\n1."), nbformat.v4.new_code_cell("answer = 2")]
    for cell in cells[2:4]:
        cell.metadata["tags"] = [BUNDLED_TAG]
    notebook = nbformat.v4.new_notebook(cells=cells)
    assert [c.source for c in without_bundled_cells(notebook).cells] == ["# title", "x = 1"]
    assert len(notebook.cells) == 6  # the notebook itself is not changed


@pytest.mark.parametrize("header, expected", [
    (["客户编号", "订单日期", "金额"], {"customer": "客户编号", "date": "订单日期", "amount": "金额"}),
    (["会员ID", "下单时间", "数量", "单价", "订单号", "商品编号"],
     {"customer": "会员ID", "date": "下单时间", "quantity": "数量", "price": "单价", "invoice": "订单号",
      "product": "商品编号"}),
    (["Customer ID", "InvoiceDate", "Quantity", "Price", "Invoice", "StockCode"],
     {"customer": "Customer ID", "date": "InvoiceDate", "quantity": "Quantity", "price": "Price",
      "invoice": "Invoice", "product": "StockCode"}),
    (["client_id", "order_date", "total", "qty"], {"customer": "client_id", "date": "order_date", "amount": "total"}),
    (["a", "b"], {}),
])
def test_the_column_map_is_proposed_from_english_and_chinese_headers(header, expected):
    assert propose_columns(header) == expected


@pytest.mark.parametrize("dates, expected", [
    (["02/10/2023", "25/10/2023"], "%d/%m/%Y"),
    (["10/02/2023", "10/25/2023"], "%m/%d/%Y"),
    (["02.10.23", "25.10.23"], "%d.%m.%y"),
    (["2023-10-02", "2023-10-25"], None),          # ISO: read as it is
    (["2023年10月2日", "2023年10月25日"], None),
    (["02/10/2023 10:00", "25/10/2023 11:00"], None),  # with a time: the settled order is read each run
    (["01/01/2023", "02/10/2023", "25/10/2023"], "%d/%m/%Y"),  # the order is told by the rows whose fields differ
])
def test_the_date_format_is_proposed_only_when_the_data_settle_it(dates, expected):
    assert propose_date_format(pd.Series(dates), "订单日期", "orders.csv") == expected


def test_papermill_parameters_are_injected_as_written():
    translator = cl.studies._readable_python_translator()
    code = translator.codify({"columns": {"customer": "客户编号"}, "label": 'say "hi"\n'})
    assert "'客户编号'" in code and "\\u" not in code
    namespace: dict = {}
    exec(code, namespace)  # valid Python that gives back the values
    assert namespace["columns"] == {"customer": "客户编号"} and namespace["label"] == 'say "hi"\n'
