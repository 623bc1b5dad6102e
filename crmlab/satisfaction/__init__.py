"""Satisfaction and loyalty studies: PLS path models of customer-satisfaction indexes (ACSI/ECSI).

>>> import crmlab as cl
>>> result = cl.satisfaction.plspm(cl.datasets.load_ecsi(), cl.satisfaction.ecsi_model())
>>> result.path_coefficients, result.r2, result.reliability()
"""

from .bootstrap import BootstrapResult, bootstrap
from .plspm import plspm
from .results import PLSResult
from .specification import PathModel, acsi_model, bank_model, ecsi_model

__all__ = ["plspm", "bootstrap", "BootstrapResult", "PLSResult", "PathModel", "ecsi_model", "acsi_model", "bank_model"]
