"""An analyst's own file, end to end (issue 16, first "Done when"): a GBK-encoded CSV with the Chinese headers
客户编号 / 订单日期 / 金额 and day-first dates goes from ``crmlab study new`` to a finished ``crmlab study run`` with
segments, P(alive) and CLV, without editing code, its dates read day-first and every dropped row counted."""

from __future__ import annotations

import json
import re

import nbformat
import numpy as np
import pandas as pd
import pytest

import crmlab as cl
from crmlab.cli import main

LAST_DAY = pd.Timestamp("2023-12-31")


def _gbk_log(path) -> pd.DataFrame:
    """A small log: 80 customers over 2023 who buy until they drop out, amounts with two decimals (each customer's
    around their own mean), dates written dd/mm/YYYY, plus one line of each problem the cleaning drops. Returns the
    intended purchases (before the problem lines)."""
    rng = np.random.default_rng(16)
    rows = []
    for customer in range(1, 81):
        # buy-till-you-die: purchases at each customer's own rate until they drop out (or the year ends)
        first = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 180)))
        alive = min(rng.exponential(rng.gamma(1.5, 100.0)), (LAST_DAY - first).days)
        days = sorted(rng.uniform(0, alive, size=rng.poisson(rng.gamma(0.8, 1 / 25) * alive)))
        mean_spend = rng.gamma(2.0, 40.0)  # customers differ in what they spend, as the Gamma-Gamma model expects
        for day in [0, *days]:
            rows.append((f"C{customer:03d}", first + pd.Timedelta(days=int(day)),
                         round(1 + rng.gamma(4.0, mean_spend / 4.0), 2)))
    # a customer whose dates read differently month-first: 2 October and 5 November 2023
    rows += [("C900", pd.Timestamp("2023-10-02"), 88.0), ("C900", pd.Timestamp("2023-11-05"), 12.5),
             ("C001", LAST_DAY, 30.0)]
    purchases = pd.DataFrame(rows, columns=["客户编号", "订单日期", "金额"])
    written = purchases.assign(订单日期=purchases["订单日期"].dt.strftime("%d/%m/%Y"))
    problems = pd.DataFrame([("", "03/03/2023", 50.0),                  # no customer
                             ("C900", "02/10/2023", 88.0),              # an exact copy of a line
                             ("C002", "01/01/2099", 20.0),              # dated after today
                             ("C900", "06/11/2023", -5.0)],             # a partial return, netted against 5 November
                            columns=written.columns)
    pd.concat([written, problems]).to_csv(path, index=False, encoding="gbk")
    return purchases


def test_an_analysts_gbk_file_goes_from_study_new_to_clv_and_segments(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cl.studies, "STUDIES", tmp_path / "studies")
    monkeypatch.setattr(cl.paths, "REPORTS", tmp_path / "reports")
    monkeypatch.setattr(cl.paths, "PROCESSED_DATA", tmp_path / "processed")
    source = tmp_path / "订单.csv"
    purchases = _gbk_log(source)
    assert source.read_bytes().count("客户编号".encode("gbk")) == 1

    assert main(["study", "new", str(source), "--notebooks", "01", "03", "04", "08", "--lang", "zh"]) == 0
    [study_file] = (tmp_path / "studies").glob("*.yaml")
    study = cl.studies.load_study(study_file)
    assert study.parameters["columns"] == {"customer": "客户编号", "date": "订单日期", "amount": "金额"}
    assert study.parameters["encoding"] == "gb18030" and study.parameters["date_format"] == "%d/%m/%Y"
    listed = capsys.readouterr().out
    assert main(["study", "new", str(source)]) == 0  # a second study of the same file gets a name of its own
    names = [s.name for s in cl.studies.list_studies()]
    assert len(set(names)) == 2 and study.name in names and study.name in listed

    assert main(["study", "run", study.name, "--quiet"]) == 0
    [report] = [p for p in (tmp_path / "reports" / study.name).iterdir() if not p.is_symlink()]
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    quality = manifest["data_quality"]
    assert quality["dropped"] == {"missing_customer": 1, "duplicate": 1, "after_today": 1, "cancellation_netted": 1}
    assert quality["rows"] == len(purchases) + 4 == quality["rows_kept"] + sum(quality["dropped"].values())

    tables = cl.paths.PROJECT_ROOT / manifest["processed_dir"] if not manifest["processed_dir"].startswith("/") \
        else manifest["processed_dir"]
    segments = pd.read_parquet(f"{tables}/customer_segments.parquet")
    p_alive = pd.read_parquet(f"{tables}/customer_p_alive.parquet")
    clv = pd.read_parquet(f"{tables}/customer_lifetime_value.parquet")
    customers = set(purchases["客户编号"])
    assert set(segments.index) == customers and segments["segment"].notna().all()
    assert p_alive["p_alive"].between(0, 1).all() and np.isfinite(clv["clv"]).all() and len(clv) > 0
    # day-first: C900 first bought on 2 October, last on 5 November (10 February / 11 May if read month-first)
    assert segments.loc["C900", "days_since_first_purchase"] == (LAST_DAY - pd.Timestamp("2023-10-02")).days
    assert segments.loc["C900", "days_since_last_purchase"] == (LAST_DAY - pd.Timestamp("2023-11-05")).days
    with open(f"{tables}/customer_segments.csv", "rb") as handle:  # UTF-8 with a byte-order mark, for Excel
        assert handle.read(3) == b"\xef\xbb\xbf"

    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    fitted = results["04_clv_probabilistic_models"]
    assert set(fitted["models"]) == {"BG/NBD", "Pareto/NBD", "MBG/NBD"}
    assert fitted["spend_model"]["model"] == "GammaGamma"
    assert fitted["holdout"]["BG/NBD"]["metrics"]["model"]["rmse"] >= 0 and fitted["time_unit"] == "W"
    assert results["03_segmentation"]["segments"] and fitted["data_quality"]["dropped"] == quality["dropped"]
    assert results["01_customer_data"]["data_quality"] == results["08_retention_economics"]["data_quality"] == {
        "rows_in": quality["rows"], "rows_kept": quality["rows_kept"], "customers_kept": quality["customers_kept"],
        "dropped": quality["dropped"]}  # every notebook cleaned the file as the run did
    assert {"logistic regression", "gradient boosting"} <= set(results["08_retention_economics"]["churn_metrics"])
    summary_page = (report / "summary.html").read_text(encoding="utf-8")
    assert 'href="04_clv_probabilistic_models.html"' in summary_page and "BG/NBD" in summary_page
    assert (report / "04_clv_probabilistic_models.html").is_file() and 'href="summary.html"' in (
        report / "index.html").read_text(encoding="utf-8")
    assert manifest["inputs"] and all(not entry["path"].startswith(str(cl.paths.PROJECT_ROOT))
                                      for entry in manifest["inputs"])
    assert "numpy" in manifest["environment"]["packages"] and manifest["environment"]["platform"]

    executed = nbformat.read(report / "04_clv_probabilistic_models.ipynb", as_version=4)
    injected = next(c.source for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "'客户编号'" in injected and "\\u" not in injected  # as written, not escaped
    shown = json.dumps([c.get("outputs", []) for c in executed.cells], ensure_ascii=False) + "".join(
        c.source for c in executed.cells[1:] if c.cell_type == "markdown")  # after the course's introduction
    for bundled_words in ("CDNOW", "Online Retail", "Fader & Hardie (2013)", "39 周"):
        assert bundled_words not in shown.replace("教材", ""), bundled_words


@pytest.mark.parametrize("dates, problem", [
    (["02/10/2023", "05/11/2023"], r"2 dates .* can be read day-first .*--date-format"),
])
def test_study_new_refuses_dates_whose_order_the_data_cannot_tell(tmp_path, monkeypatch, capsys, dates, problem):
    monkeypatch.setattr(cl.studies, "STUDIES", tmp_path / "studies")
    source = tmp_path / "orders.csv"
    pd.DataFrame({"客户编号": ["a", "b"], "订单日期": dates, "金额": [1.0, 2.0]}).to_csv(source, index=False)
    assert main(["study", "new", str(source)]) == 1
    assert re.search(problem, capsys.readouterr().err)
    assert not (tmp_path / "studies").exists() or not list((tmp_path / "studies").glob("*.yaml"))
