"""Shared fixtures: a non-interactive plotting backend, a seeded generator, the bundled logs."""

from __future__ import annotations

import os
import shutil

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import crmlab as cl  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    """A local Spark session on two cores (one per test module that asks for it), or a skip without Java."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Java is not installed: the Spark backend needs a JDK 17 (Debian: openjdk-17-jre-headless)")
    session = cl.backends.spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


@pytest.fixture(scope="session")
def online_retail_raw() -> pd.DataFrame:
    return cl.datasets.load_online_retail()


@pytest.fixture(scope="session")
def online_retail_log(online_retail_raw) -> pd.DataFrame:
    """Online Retail cleaned with the default policy (cancellations netted)."""
    log, _ = cl.transactions.clean(online_retail_raw, cl.transactions.ONLINE_RETAIL)
    return log


@pytest.fixture(scope="session")
def cdnow_master() -> pd.DataFrame:
    return cl.datasets.load_cdnow("master")


@pytest.fixture(scope="session")
def cdnow_sample() -> pd.DataFrame:
    return cl.datasets.load_cdnow("sample")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
