"""crmlab — a reproducible customer-relationship-management analytics lab.

Submodules load on first use, so ``import crmlab`` stays fast:

>>> import crmlab as cl
>>> tx = cl.datasets.load_cdnow()
>>> summary = cl.customer_summary(tx, observation_end="1997-09-30", time_unit="W")
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("crmlab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

_SUBMODULES = {"datasets", "transactions", "reading", "parsing", "dates", "streaming", "quality", "summary",
               "backends", "clv", "value", "segmentation", "satisfaction", "economics", "churn", "basket", "plotting",
               "studies", "teaching", "course", "cli", "units", "paths", "errors", "frames", "i18n", "display", "site",
               "loyalty_measurement", "cohorts", "study_data", "results"}
_FUNCTIONS = {"customer_summary": "summary", "calibration_holdout": "summary", "calibration_summary": "summary",
              "single_customer_view": "summary", "add_intertransaction_times": "summary",
              "summary_history": "summary"}

__all__ = sorted(_SUBMODULES | set(_FUNCTIONS) | {"__version__"})


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(f"{__name__}.{_FUNCTIONS[name]}"), name)
    raise AttributeError(f"module 'crmlab' has no attribute {name!r}")


def __dir__():
    return __all__
