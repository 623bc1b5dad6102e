"""The lab's data sets, loaded with documented columns and dtypes.

=====================  ===============================================  =====================
loader                 what it is                                       where it comes from
=====================  ===============================================  =====================
``load_cdnow``         CDNOW CD purchases 1997-01 .. 1998-06            the installed ``lifetimes``
                       (master: 23,570 customers; sample: 2,357)        package's data files
``load_cdnow_summary`` Fader & Hardie's published 39-week summary of    idem
                       the sample (x, t_x, T, and mean repeat spend)
``load_online_retail`` UCI Online Retail, every invoice line            ``data/raw/``
                       2010-12-01 .. 2011-12-09 (541,909 rows)
``load_online_retail_ii`` UCI Online Retail II, sheet 2009-2010         ``data/raw/``
``load_ecsi``          ECSI mobile-phone survey (250 x 24)              ``data/raw/``
``load_bank_satisfaction`` bank survey with gender (250 x 28)           ``data/raw/``
``load_corp_rep``      corporate reputation, Hair et al.'s PLS-SEM      ``data/raw/``
                       primer (344 x 50)
``load_donations``     BG/BB donations (22 patterns, 11,104 donors)     ``data/raw/``
``load_telco_churn``   IBM Telco churn sample (7,043 customers)         ``data/raw/``
``load_grocery``       purchase days of 1,525 customers of an online    ``data/raw/``
                       grocer, 2006-01-01 .. 2007-12-30 (BTYDplus)
=====================  ===============================================  =====================

Sources, licences and quirks of the files in ``data/raw/`` are in
``data/raw/README.md``. CDNOW is not copied into the repository: it ships inside
the MIT-licensed ``lifetimes`` wheel and is read from the installed package's
folder, found with :func:`importlib.util.find_spec` without importing it
(``lifetimes.datasets`` needs ``pkg_resources``, which recent setuptools no
longer has, and importing ``lifetimes`` changes global pandas options).

The loaders return the data as shipped: raw logs keep their quirks (missing
customers, cancellations, duplicates) for :mod:`crmlab.transactions` to report
and clean.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from . import paths
from .errors import DatasetNotFoundError

__all__ = [
    "lifetimes_data_file",
    "load_cdnow",
    "load_cdnow_summary",
    "load_online_retail",
    "load_online_retail_ii",
    "load_ecsi",
    "load_bank_satisfaction",
    "load_corp_rep",
    "load_apparel",
    "Apparel",
    "load_example_survey",
    "load_donations",
    "load_telco_churn",
    "load_grocery",
]

_CDNOW_FILES = {"master": "CDNOW_master.txt", "sample": "CDNOW_sample.txt"}


def lifetimes_data_file(name: str) -> Path:
    """Path of a data file shipped inside the installed ``lifetimes`` package."""
    hint = ("Install it with `pip install lifetimes==0.11.3` or `pip install crmlab[lab]` (the lab extra brings it; "
            "`make run` installs it).")
    spec = importlib.util.find_spec("lifetimes")  # locate the package without importing it: its import
    if spec is None or not spec.submodule_search_locations:  # changes global pandas options
        raise DatasetNotFoundError(f"CDNOW ships inside the `lifetimes` package, which is not installed. {hint}")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / name
    if not path.is_file():
        raise DatasetNotFoundError(
            f"{name} is missing from the installed lifetimes package ({path}). Reinstall it: {hint}")
    return path


def _raw_file(name: str, data_dir: str | Path | None) -> Path:
    """Path of a file in ``data/raw/`` (or ``data_dir``), with an error that says how to get it."""
    folder = Path(data_dir) if data_dir is not None else paths.RAW_DATA
    path = folder / name
    if not path.is_file():
        raise DatasetNotFoundError(
            f"{name} not found at {path}. It ships with the crmlab repository in data/raw/ "
            "(see data/raw/README.md for its source): run from a full clone of the repository, "
            "set CRMLAB_ROOT to the clone's folder, or pass data_dir= pointing at a folder that holds it."
        )
    return path


def load_cdnow(kind: str = "sample") -> pd.DataFrame:
    """CDNOW purchase log: every CD purchase of a cohort of first-time buyers.

    The cohort made its first purchase at CDNOW in the first quarter of 1997 and is
    followed until the end of June 1998 (Fader, Hardie & Lee 2005, "Counting your
    customers the easy way", *Marketing Science* 24(2)).

    Parameters
    ----------
    kind : {"sample", "master"}
        ``"master"``: all 23,570 customers (69,659 rows). ``"sample"``: the 1/10
        sample of 2,357 customers (6,919 rows) used in the BG/NBD and Pareto/NBD
        papers; its ``customer_id`` is the sample's 1..2,357 number, the ID of the
        published summary (:func:`load_cdnow_summary`).

    Returns
    -------
    DataFrame with columns ``customer_id`` (int64), ``date`` (datetime64, day
    precision), ``quantity`` (int64, number of CDs) and ``amount`` (float64, US$).
    Rows are as shipped: 80 rows of the master file have $0, 255 are exact
    duplicates and 2,068 repeat a (customer, date) pair.
    """
    if kind not in _CDNOW_FILES:
        raise ValueError(f"kind must be 'sample' or 'master', got {kind!r}")
    path = lifetimes_data_file(_CDNOW_FILES[kind])
    if kind == "master":
        raw = pd.read_csv(path, sep=r"\s+", header=0, names=["customer_id", "date", "quantity", "amount"])
    else:
        raw = pd.read_csv(path, sep=r"\s+", header=None,
                          names=["master_id", "customer_id", "date", "quantity", "amount"]).drop(columns="master_id")
    return pd.DataFrame({
        "customer_id": raw["customer_id"].astype("int64"),
        "date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
        "quantity": raw["quantity"].astype("int64"),
        "amount": raw["amount"].astype("float64"),
    })


def load_cdnow_summary() -> pd.DataFrame:
    """Fader & Hardie's published recency/frequency summary of the CDNOW sample.

    The 39-week calibration period (1997-01-01 .. 1997-09-30) of the 2,357-customer
    sample, as distributed with their BG/NBD and Gamma-Gamma notes and with
    ``lifetimes``: ``frequency`` (x, repeat purchases), ``recency`` (t_x, weeks
    from first to last purchase), ``T`` (weeks from first purchase to the end of
    calibration), all rounded to 2 decimals, and ``monetary`` (z-bar, mean
    spend of the repeat purchases, US$; 0 when x = 0). Indexed by ``customer_id``; the table
    records that it is a customer summary in weeks observed to 1997-09-30.
    """
    from .frames import CUSTOMER_SUMMARY, TableInfo, with_info

    summary = pd.read_csv(lifetimes_data_file("cdnow_customers_summary.csv"), index_col="ID")
    spend = pd.read_csv(lifetimes_data_file("cdnow_customers_summary_with_transactions.csv"), index_col="ID")
    summary["monetary"] = spend["zbar"].astype("float64")
    summary.index.name = "customer_id"
    summary = summary.astype({"frequency": "int64", "recency": "float64", "T": "float64"})
    return with_info(summary, TableInfo(CUSTOMER_SUMMARY, time_unit="W", purchase_period="D",
                                        observation_end="1997-09-30"))


def load_online_retail(data_dir: str | Path | None = None) -> pd.DataFrame:
    """UCI Online Retail: every invoice line of a UK online gift retailer, 2010-12-01 .. 2011-12-09.

    541,909 rows as shipped (Chen 2015, UCI ML Repository, CC BY 4.0;
    https://doi.org/10.24432/C5BW33). Columns: ``InvoiceNo`` (str; a leading
    ``C`` marks a cancellation), ``StockCode`` (str), ``Description`` (str,
    nullable), ``Quantity`` (int64), ``InvoiceDate`` (datetime64, naive UK local
    time), ``UnitPrice`` (float64, GBP), ``CustomerID`` (Int64, nullable),
    ``Country`` (str). Clean it with ``crmlab.transactions.clean(df,
    columns=crmlab.transactions.ONLINE_RETAIL)``.
    """
    return pd.read_parquet(_raw_file("online_retail.parquet", data_dir))


def load_online_retail_ii(data_dir: str | Path | None = None) -> pd.DataFrame:
    """UCI Online Retail II, sheet "Year 2009-2010": 525,461 invoice lines, 2009-12-01 .. 2010-12-09.

    Chen (2019), UCI ML Repository, CC BY 4.0, https://doi.org/10.24432/C5CG6D.
    UCI's column names are kept: ``Invoice``, ``StockCode``, ``Description``,
    ``Quantity`` (int64), ``InvoiceDate`` (datetime64), ``Price`` (float64),
    ``Customer ID`` (Int64, nullable), ``Country``. Its last nine days overlap the
    first nine of :func:`load_online_retail`. Column map:
    ``crmlab.transactions.ONLINE_RETAIL_II``.
    """
    return pd.read_parquet(_raw_file("online_retail_ii_2009_2010.parquet", data_dir))


def load_ecsi(data_dir: str | Path | None = None) -> pd.DataFrame:
    """ECSI mobile-phone survey: 250 customers, 24 indicators on a 1-10 scale (int64).

    The European Customer Satisfaction Index example of Tenenhaus, Esposito Vinzi,
    Chatelin & Lauro (2005), "PLS path modeling", *Computational Statistics & Data
    Analysis* 48, 159-205. Blocks: ``IMAG1-5`` image, ``CUEX1-3`` expectations,
    ``PERQ1-7`` perceived quality, ``PERV1-2`` perceived value, ``CUSA1-3``
    satisfaction, ``CUSCO`` complaints, ``CUSL1-3`` loyalty. No missing values.
    """
    return pd.read_csv(_raw_file("ecsi_mobi.csv", data_dir)).astype("int64")


def load_bank_satisfaction(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Bank customer-satisfaction survey: 250 customers of a Spanish credit institution, 27 indicators + gender.

    From the R package plspm (``satisfaction``, source LIAM, Universitat Politècnica de Catalunya).
    Blocks: ``imag1-5`` image, ``expe1-5`` expectations, ``qual1-5`` quality, ``val1-4`` value,
    ``sat1-4`` satisfaction, ``loy1-4`` loyalty (int64, 1-10 scale); ``gender`` (str).
    """
    return pd.read_csv(_raw_file("bank_satisfaction.csv", data_dir))


#: How ``corp_rep_data.csv`` writes a missing answer.
CORP_REP_MISSING = -99


def load_corp_rep(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Corporate-reputation survey of Hair, Hult, Ringle & Sarstedt, *A Primer on PLS-SEM* (2nd ed. 2017): 344
    customers of four mobile-phone providers, 50 columns (nullable Int64), rows in the file's order.

    seminr's ``corp_rep_data`` (GPL-3), the data of the primer's worked example; its model is
    :func:`crmlab.satisfaction.corp_rep_model`. Indicators on 1-7 scales: ``qual_1-8`` quality,
    ``perf_1-5`` performance, ``csor_1-5`` corporate social responsibility, ``attr_1-3`` attractiveness
    (the formative drivers; ``qual_global`` … ``attr_global`` are their single global items),
    ``comp_1-3`` competence, ``like_1-3`` likeability, ``cusa`` satisfaction (one item), ``cusl_1-3``
    loyalty; ``switch_1-4`` switching costs (1-5, the moderator of the primer's ch. 7). Also
    ``serviceprovider`` (1-4), ``servicetype`` (1-2), ``age``, ``education``, ``occupation``, ``nphh``
    (persons in the household), ``sample_type`` and ``mga_1-4`` (1-2), coded as in the primer.

    The file writes a missing answer as -99 (:data:`CORP_REP_MISSING`); here it is ``<NA>``: 11 answers of
    the model's indicators (``cusl_1`` 3, ``cusl_2`` 4, ``cusl_3`` 3, ``cusa`` 1) and 59 of the
    demographics. Fit the model with ``missing="mean"`` (the primer's mean replacement, as seminr) or
    ``missing="listwise"``.
    """
    raw = pd.read_csv(_raw_file("corp_rep_data.csv", data_dir))
    return raw.astype("Int64").mask(raw == CORP_REP_MISSING)


class Apparel(NamedTuple):
    """CLVTools' apparel data (:func:`load_apparel`)."""

    transactions: pd.DataFrame
    static_covariates: pd.DataFrame
    dynamic_covariates: pd.DataFrame


def load_apparel(data_dir: str | Path | None = None) -> Apparel:
    """CLVTools' apparel retailer: transactions of 600 customers, their covariates, and weekly covariates.

    CLVTools' ``apparelTrans``, ``apparelStaticCov`` and ``apparelDynCov`` (GPL-3; the data of its vignettes
    and of Bachmann, Meierer & Näf 2021, *Marketing Science* 40(4)). Every customer first bought on
    2005-01-02; CLVTools analyses a 104-week estimation period (to 2006-12-31) in weeks with same-day
    purchases merged — ``crmlab.customer_summary(apparel.transactions, observation_end="2006-12-31",
    time_unit="W")``, then ``.join(apparel.static_covariates)``.

    Returns
    -------
    Apparel
        ``transactions``: ``customer_id`` (str), ``date``, ``amount`` (3,187 rows, the file's order);
        ``static_covariates``: indexed by ``customer_id``, ``Gender`` and ``Channel`` (0/1 floats, as
        CLVTools names them); ``dynamic_covariates``: ``customer_id``, ``date`` (the Sunday each week
        starts), ``High.Season``, ``Gender``, ``Channel`` — 313 weeks per customer, 2005-01-02 .. 2010-12-26.
    """
    transactions = pd.read_parquet(_raw_file("apparel_trans.parquet", data_dir)).rename(
        columns={"Id": "customer_id", "Date": "date", "Price": "amount"})
    static = pd.read_parquet(_raw_file("apparel_static_cov.parquet", data_dir)).rename(
        columns={"Id": "customer_id"}).set_index("customer_id")
    dynamic = pd.read_parquet(_raw_file("apparel_dyn_cov.parquet", data_dir)).rename(
        columns={"Id": "customer_id", "Cov.Date": "date"})
    return Apparel(transactions, static, dynamic)


def load_example_survey(data_dir: str | Path | None = None) -> pd.DataFrame:
    """A small example satisfaction survey (300 respondents), shipped in ``data/raw/example_survey.csv``.

    Synthetic, made once by ``make_satisfaction_survey(300, seed=2026)`` (its docstring gives the
    generating model, so the truth is known): ``attr1-6`` perceived performance and ``expect1-6``
    expectations (1-10, int64), ``overall`` satisfaction, ``loyalty`` (0-10), ``repurchased`` (0/1).
    """
    return pd.read_csv(_raw_file("example_survey.csv", data_dir), index_col="respondent")


def load_donations(data_dir: str | Path | None = None) -> pd.DataFrame:
    """BG/BB donations data: 22 recency/frequency patterns of 11,104 first-time donors.

    The 1995 cohort of a non-profit's donors over 6 annual repeat opportunities
    (Fader, Hardie & Shang 2010, "Customer-base analysis in a discrete-time
    noncontractual setting", *Marketing Science* 29(6)). Columns (int64):
    ``frequency`` (repeat donations), ``recency`` (year of the last one, 0 if
    none), ``periods`` (6), ``weights`` (donors with that pattern; they sum to 11,104).
    """
    return pd.read_parquet(_raw_file("donations_bgbb.parquet", data_dir)).astype("int64")


def load_telco_churn(data_dir: str | Path | None = None) -> pd.DataFrame:
    """IBM Telco customer churn sample: 7,043 customers of a *fictional* telco, one snapshot.

    21 columns as in IBM's sample (Apache-2.0): ``customerID`` (str, unique),
    demographics, services (str: "Yes"/"No"/"No internet service"...),
    ``tenure`` (int16, months), ``Contract``, ``MonthlyCharges`` (float64),
    ``TotalCharges`` (float64, null for the 11 customers with tenure 0) and
    ``Churn`` ("Yes"/"No"; 1,869 churned).
    """
    return pd.read_parquet(_raw_file("telco_customer_churn.parquet", data_dir))


def load_grocery(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Purchase log of an online grocery store: 10,483 purchase days of 1,525 customers, 2006-01-01 .. 2007-12-30.

    BTYDplus' ``groceryElog`` (Platzer & Reutterer 2016; GPL-3, see ``data/raw/README.md``), the worked
    example of its regularity models: the cohort bought first in the first quarter of 2006, and
    customers buy with some regularity (BTYDplus' vignette finds k = 2 for MBG/CNBD-k on the first 52
    weeks). Columns ``customer_id`` (str) and ``date`` (datetime64, a day; at most one row per customer
    and day); no amounts. Rows in the file's order.
    """
    log = pd.read_parquet(_raw_file("grocery_elog.parquet", data_dir))
    return log.rename(columns={"cust": "customer_id"}).astype({"customer_id": "str", "date": "datetime64[ns]"})


from .simulation import (  # noqa: E402  - the seeded simulators are data sets too
    make_kano_survey,
    make_satisfaction_survey,
    simulate_bgbb,
    simulate_bgcnbd,
    simulate_bgnbd,
    simulate_gammagamma,
    simulate_ggompertznbd,
    simulate_mbgcnbd,
    simulate_mbgnbd,
    simulate_paretonbd,
)

__all__ += ["simulate_bgnbd", "simulate_mbgnbd", "simulate_paretonbd", "simulate_bgbb", "simulate_gammagamma",
            "make_satisfaction_survey", "make_kano_survey", "simulate_bgcnbd", "simulate_mbgcnbd",
            "simulate_ggompertznbd"]
