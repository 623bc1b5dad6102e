"""Loaders return the shipped data with documented columns and dtypes.

Reference figures: shared/data/README.md (copied to data/raw/README.md), which
checks them against UCI's published counts, and the CDNOW description in
Fader, Hardie & Lee (2005) (23,570 customers; 2,357 in the 1/10 sample). The corporate-reputation
survey is checked against seminr 2.3's fixture corp_rep_simple_paths.csv (tests/reference/seminr/,
test_clean_data.R: the -99 answers replaced by column means), the bank survey against cSEM's
``satisfaction_gender`` (the peers' copy in ../shared/data/peers/).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import DatasetNotFoundError


def test_cdnow_master_matches_published_totals(cdnow_master):
    assert list(cdnow_master.columns) == ["customer_id", "date", "quantity", "amount"]
    assert len(cdnow_master) == 69_659
    assert cdnow_master["customer_id"].nunique() == 23_570
    assert cdnow_master["quantity"].sum() == 167_881
    assert cdnow_master["amount"].sum() == pytest.approx(2_500_315.63, abs=0.005)
    assert cdnow_master["date"].min() == pd.Timestamp("1997-01-01")
    assert cdnow_master["date"].max() == pd.Timestamp("1998-06-30")
    assert (cdnow_master["amount"] == 0).sum() == 80
    assert cdnow_master.duplicated().sum() == 255


def test_cdnow_sample_is_the_published_tenth(cdnow_sample):
    assert len(cdnow_sample) == 6_919
    assert sorted(cdnow_sample["customer_id"].unique()) == list(range(1, 2_358))
    assert cdnow_sample.dtypes.astype(str).tolist()[::2] == ["int64", "int64"]
    assert pd.api.types.is_datetime64_dtype(cdnow_sample["date"])


def test_cdnow_summary_is_indexed_by_the_sample_ids():
    summary = cl.datasets.load_cdnow_summary()
    assert summary.shape == (2_357, 4)
    assert list(summary.columns) == ["frequency", "recency", "T", "monetary"]
    # Fader & Hardie (2005, table of the CDNOW sample): customer 1 made 2 repeat purchases, last at 30.43 weeks
    assert summary.loc[1].tolist() == [2, 30.43, 38.86, 22.35]
    assert (summary.loc[summary["frequency"] == 0, "monetary"] == 0).all()


def test_unknown_cdnow_kind_is_rejected():
    with pytest.raises(ValueError, match="'sample' or 'master'"):
        cl.datasets.load_cdnow("full")


def test_online_retail_schema_and_size(online_retail_raw):
    assert len(online_retail_raw) == 541_909
    assert list(online_retail_raw.columns) == ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
                                               "UnitPrice", "CustomerID", "Country"]
    assert str(online_retail_raw["CustomerID"].dtype) == "Int64"
    assert online_retail_raw["CustomerID"].nunique() == 4_372


def test_other_bundled_data_sets():
    ii = cl.datasets.load_online_retail_ii()
    assert len(ii) == 525_461 and ii["Customer ID"].isna().sum() == 107_927
    donations = cl.datasets.load_donations()
    assert donations["weights"].sum() == 11_104 and (donations["periods"] == 6).all()
    assert donations.loc[(donations["frequency"] == 0), "weights"].sum() == 3_464
    ecsi = cl.datasets.load_ecsi()
    assert ecsi.shape == (250, 24) and ecsi.min().min() >= 1 and ecsi.max().max() <= 10
    telco = cl.datasets.load_telco_churn()
    assert telco.shape == (7_043, 21) and (telco["Churn"] == "Yes").sum() == 1_869


def test_corporate_reputation_survey_reads_minus_99_as_missing():
    survey = cl.datasets.load_corp_rep()
    assert survey.shape == (344, 50) and (survey.dtypes == "Int64").all()
    assert not (survey == cl.datasets.CORP_REP_MISSING).any().any()
    gaps = survey.isna().sum()
    assert gaps[gaps > 0].to_dict() == {"cusl_1": 3, "cusl_2": 4, "cusl_3": 3, "cusa": 1, "age": 1, "education": 9,
                                        "occupation": 45, "nphh": 4}
    blocks = cl.satisfaction.corp_rep_model().blocks
    simple = cl.satisfaction.PathModel(blocks={c: blocks[c] for c in ("COMP", "LIKE", "CUSA", "CUSL")},
                                       paths=[("COMP", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSA"), ("LIKE", "CUSL"),
                                              ("CUSA", "CUSL")])
    result = cl.satisfaction.plspm(survey, simple, scheme="path", missing="mean", tol=1e-14, max_iter=1000)
    seminr = pd.read_csv(cl.paths.PROJECT_ROOT / "tests" / "reference" / "seminr" / "corp_rep_simple_paths.csv",
                         index_col=0)
    assert np.allclose(result.path_coefficients.loc[seminr.index, seminr.columns], seminr, atol=1e-6)


def _assert_shipped_as_the_peers_file(ours: str, theirs: str) -> None:
    """data/raw/<ours> is byte for byte ../shared/data/peers/<theirs> (skipped when ../shared is not beside us)."""
    peers = cl.paths.PROJECT_ROOT.parent / "shared" / "data" / "peers" / theirs
    if not peers.is_file():
        pytest.skip("../shared/data/peers is not beside the project")
    shipped = cl.paths.RAW_DATA / ours
    assert hashlib.sha256(shipped.read_bytes()).digest() == hashlib.sha256(peers.read_bytes()).digest()


def test_bank_survey_is_csem_satisfaction_gender():
    _assert_shipped_as_the_peers_file("bank_satisfaction.csv", "satisfaction_gender.csv")
    bank = cl.datasets.load_bank_satisfaction()
    assert bank.shape == (250, 28) and bank["gender"].value_counts().to_dict() == {"female": 148, "male": 102}


def test_grocery_log_is_btydplus_grocery_elog():
    _assert_shipped_as_the_peers_file("grocery_elog.parquet", "grocery_elog.parquet")
    log = cl.datasets.load_grocery()
    # BTYDplus R/data.R: "10483 transactions being recorded for 1525 customers during a period of two years"
    assert list(log.columns) == ["customer_id", "date"] and len(log) == 10_483
    assert log["customer_id"].nunique() == 1_525 and not log.duplicated().any()
    assert (log["date"].min(), log["date"].max()) == (pd.Timestamp("2006-01-01"), pd.Timestamp("2007-12-30"))


@pytest.mark.parametrize("loader", [cl.datasets.load_online_retail, cl.datasets.load_ecsi,
                                    cl.datasets.load_donations, cl.datasets.load_telco_churn,
                                    cl.datasets.load_corp_rep, cl.datasets.load_bank_satisfaction,
                                    cl.datasets.load_apparel, cl.datasets.load_grocery])
def test_missing_file_names_the_path_and_the_fix(loader, tmp_path):
    with pytest.raises(DatasetNotFoundError, match=str(tmp_path)) as info:
        loader(data_dir=tmp_path)
    assert "data/raw" in str(info.value) and "CRMLAB_ROOT" in str(info.value)
    assert isinstance(info.value, FileNotFoundError)


def test_apparel_is_clvtools_data():
    """CLVTools' apparelTrans/apparelStaticCov/apparelDynCov (v0.12.1): 600 customers, all first buying 2005-01-02,
    3,187 transactions, 313 weekly covariate rows each (shared/data/peers/README.md)."""
    apparel = cl.datasets.load_apparel()
    tx, static, dynamic = apparel
    assert len(tx) == 3187 and tx["customer_id"].nunique() == 600
    assert (tx.groupby("customer_id")["date"].min() == pd.Timestamp("2005-01-02")).all()
    assert static.shape == (600, 2) and set(np.unique(static.to_numpy())) == {0.0, 1.0}
    assert len(dynamic) == 600 * 313 and list(dynamic.columns) == ["customer_id", "date", "High.Season", "Gender",
                                                                   "Channel"]
