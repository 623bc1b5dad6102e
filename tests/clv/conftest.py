from __future__ import annotations

import pytest

import crmlab as cl


@pytest.fixture(scope="session")
def cdnow_published():
    """Fader & Hardie's published 39-week CDNOW summary (x, t_x, T rounded to 2 decimals)."""
    return cl.datasets.load_cdnow_summary()


@pytest.fixture(scope="session")
def cdnow_weeks():
    """The same summary computed from the raw sample log (unrounded)."""
    return cl.customer_summary(cl.datasets.load_cdnow("sample"), observation_end="1997-09-30", time_unit="W")


@pytest.fixture(scope="session")
def apparel():
    """CLVTools' apparel data: the 104-week estimation summary (from 2005-01-02, weeks, same-day purchases merged)
    joined with the static covariates, as CLVTools' vignettes set it up."""
    data = cl.datasets.load_apparel()
    summary = cl.customer_summary(data.transactions, observation_end="2006-12-31", time_unit="W")
    return summary.join(data.static_covariates)
