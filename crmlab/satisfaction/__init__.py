"""Satisfaction and loyalty studies: PLS path models of customer-satisfaction indexes (ACSI/ECSI).

>>> import crmlab as cl
>>> result = cl.satisfaction.plspm(cl.datasets.load_ecsi(), cl.satisfaction.ecsi_model())
>>> result.path_coefficients, result.r2, result.reliability()

One module per method family: :mod:`.plspm` (PLS-PM and, with ``consistent=``, PLSc via
:mod:`.consistent`), :mod:`.higher_order`, :mod:`.moderation` (interactions, simple slopes),
:mod:`.bootstrap`, :mod:`.model_fit` (SRMR, d_ULS, d_G and their tests), :mod:`.effect_sizes`
(f², Q²), :mod:`.mga` and :mod:`.micom` (groups), :mod:`.predict` and :mod:`.cvpat` (prediction),
:mod:`.cbsem` (CB-SEM through semopy, optional).

Besides the index models: :mod:`.kano` (Kano questionnaires and curves), :mod:`.importance` (importance-
satisfaction zones), :mod:`.value_map` and :mod:`.gale_tools` (Gale's customer value analysis),
:mod:`.loyalty` (satisfaction types, word of mouth, loyalty, profitability) and :mod:`.measurement`
(factors, indicator system, Likert questionnaires, survey waves).
"""

from .bootstrap import BootstrapResult, bootstrap
from .cbsem import CBSEMResult, cbsem, compare_estimates
from .consistent import InadmissibleWarning
from .cvpat import CVPATResult, cvpat
from .effect_sizes import blindfolding, f_squared
from .gale_tools import key_events, what_who_matrix, win_loss_analysis
from .importance import importance_performance
from .kano import kano_classify, kano_curves, kano_table
from .loyalty import expectation_gap, retention_by_satisfaction, satisfaction_by_profitability, word_of_mouth
from .measurement import barrel_score, likert_scores, rescale_to_100, select_indicators, wave_comparison
from .mga import MGAResult, mga
from .micom import MICOMResult, micom
from .model_fit import FitTestResult, fit_indices, fit_test
from .moderation import simple_slopes
from .plspm import PLSSettings, plspm
from .predict import PredictResult, pls_predict
from .results import PLSResult
from .specification import ModelSpecificationError, PathModel, acsi_model, bank_model, corp_rep_model, ecsi_model
from .value_map import gale_price_indices, head_to_head, perceived_ratio, value_map

__all__ = ["plspm", "PLSSettings", "bootstrap", "BootstrapResult", "PLSResult", "kano_classify", "kano_table",
           "importance_performance", "perceived_ratio", "value_map", "PathModel", "ModelSpecificationError",
           "ecsi_model", "acsi_model", "bank_model", "corp_rep_model", "f_squared", "blindfolding", "fit_indices",
           "fit_test", "FitTestResult", "InadmissibleWarning", "simple_slopes", "mga", "MGAResult", "micom",
           "MICOMResult", "pls_predict", "PredictResult", "cvpat", "CVPATResult", "cbsem", "CBSEMResult",
           "compare_estimates",
           "kano_curves", "gale_price_indices", "head_to_head", "win_loss_analysis", "key_events", "what_who_matrix",
           "expectation_gap", "word_of_mouth", "retention_by_satisfaction", "satisfaction_by_profitability",
           "barrel_score", "select_indicators", "likert_scores", "rescale_to_100", "wave_comparison"]
