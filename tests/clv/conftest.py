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
