"""Satisfaction and loyalty studies: PLS path models of customer-satisfaction indexes (ACSI/ECSI).

>>> import crmlab as cl
>>> result = cl.satisfaction.plspm(cl.datasets.load_ecsi(), cl.satisfaction.ecsi_model())
>>> result.path_coefficients, result.r2, result.reliability()
"""

from .bootstrap import BootstrapResult, bootstrap
from .importance import importance_performance
from .kano import kano_classify, kano_table
from .plspm import plspm
from .results import PLSResult
from .specification import PathModel, acsi_model, bank_model, ecsi_model
from .value_map import perceived_ratio, value_map

__all__ = ["plspm", "bootstrap", "BootstrapResult", "PLSResult", "kano_classify", "kano_table",
           "importance_performance", "perceived_ratio", "value_map", "PathModel", "ecsi_model", "acsi_model",
           "bank_model"]
