"""Satisfaction and loyalty studies: PLS path models of customer-satisfaction indexes (ACSI/ECSI).

>>> import crmlab as cl
>>> result = cl.satisfaction.plspm(cl.datasets.load_ecsi(), cl.satisfaction.ecsi_model())
>>> result.path_coefficients, result.r2, result.reliability()

Besides the index models: :mod:`.kano` (Kano questionnaires and curves), :mod:`.importance` (importance-
satisfaction zones), :mod:`.value_map` and :mod:`.gale_tools` (Gale's customer value analysis),
:mod:`.loyalty` (satisfaction types, word of mouth, loyalty, profitability) and :mod:`.measurement`
(factors, indicator system, Likert questionnaires, survey waves).
"""

from .bootstrap import BootstrapResult, bootstrap
from .gale_tools import key_events, what_who_matrix, win_loss_analysis
from .importance import importance_performance
from .kano import kano_classify, kano_curves, kano_table
from .loyalty import expectation_gap, retention_by_satisfaction, satisfaction_by_profitability, word_of_mouth
from .measurement import barrel_score, likert_scores, rescale_to_100, select_indicators, wave_comparison
from .plspm import plspm
from .results import PLSResult
from .specification import PathModel, acsi_model, bank_model, ecsi_model
from .value_map import gale_price_indices, head_to_head, perceived_ratio, value_map

__all__ = ["plspm", "bootstrap", "BootstrapResult", "PLSResult", "kano_classify", "kano_table",
           "importance_performance", "perceived_ratio", "value_map", "PathModel", "ecsi_model", "acsi_model",
           "bank_model"]
__all__ += ["kano_curves", "gale_price_indices", "head_to_head", "win_loss_analysis", "key_events", "what_who_matrix",
            "expectation_gap", "word_of_mouth", "retention_by_satisfaction", "satisfaction_by_profitability",
            "barrel_score", "select_indicators", "likert_scores", "rescale_to_100", "wave_comparison"]
