"""Satisfaction and loyalty studies: PLS path models of customer-satisfaction indexes (ACSI/ECSI).

>>> import crmlab as cl
>>> result = cl.satisfaction.plspm(cl.datasets.load_ecsi(), cl.satisfaction.ecsi_model())
>>> result.path_coefficients, result.r2, result.reliability()
"""

from .bootstrap import BootstrapResult, bootstrap
from .cbsem import CBSEMResult, cbsem, compare_estimates
from .cvpat import CVPATResult, cvpat
from .effect_sizes import blindfolding, f_squared
from .importance import importance_performance
from .kano import kano_classify, kano_table
from .mga import MGAResult, mga
from .micom import MICOMResult, micom
from .model_fit import FitTestResult, fit_indices, fit_test
from .moderation import simple_slopes
from .plspm import PLSSettings, plspm
from .predict import PredictResult, pls_predict
from .results import PLSResult
from .specification import ModelSpecificationError, PathModel, acsi_model, bank_model, corp_rep_model, ecsi_model
from .value_map import perceived_ratio, value_map

__all__ = ["plspm", "PLSSettings", "bootstrap", "BootstrapResult", "PLSResult", "kano_classify", "kano_table",
           "importance_performance", "perceived_ratio", "value_map", "PathModel", "ModelSpecificationError",
           "ecsi_model", "acsi_model", "bank_model", "corp_rep_model", "f_squared", "blindfolding", "fit_indices",
           "fit_test", "FitTestResult", "simple_slopes", "mga", "MGAResult", "micom", "MICOMResult",
           "pls_predict", "PredictResult", "cvpat", "CVPATResult", "cbsem", "CBSEMResult", "compare_estimates"]
