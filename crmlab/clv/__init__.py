"""Probabilistic customer-base models and customer lifetime value.

======================  ===========================================  ===================================
class                   model                                        reference
======================  ===========================================  ===================================
``BetaGeo``             BG/NBD                                       Fader, Hardie & Lee (2005)
``ModifiedBetaGeo``     MBG/NBD                                      Batislam, Denizel & Filiztekin (2007)
``ParetoNBD``           Pareto/NBD                                   Schmittlein, Morrison & Colombo (1987)
``ParetoNBDDynamic``    Pareto/NBD, time-varying covariates          Bachmann, Meierer & Näf (2021)
``BetaGeoBetaBinom``    BG/BB (discrete opportunities)               Fader, Hardie & Shang (2010)
``GammaGamma``          spend per transaction                        Fader, Hardie & Lee (2005)
``ShiftedBetaGeometric``  contractual retention (sBG)                Fader & Hardie (2007)
``BetaGeoCNBD``         BG/CNBD-k (Erlang-k purchase timing)         Reutterer, Platzer & Schröder (2021)
``ModifiedBetaGeoCNBD`` MBG/CNBD-k                                   Reutterer, Platzer & Schröder (2021)
``GammaGompertzNBD``    GGompertz/NBD (ageing customers)             Bemmaor & Glady (2012)
======================  ===========================================  ===================================

Pareto/NBD, BG/NBD and MBG/NBD take time-invariant covariates in CLVTools' parametrisation
(:mod:`crmlab.clv.covariates`); :func:`likelihood_ratio_test` and :func:`compare_models` compare fits.
``ParetoNBD(correlation=True)`` correlates the purchase and dropout rates (Sarmanov family, CLVTools'
``use.cor``; :mod:`crmlab.clv.correlation`), with exact predictions.

All are fitted by maximum likelihood (:mod:`crmlab.clv.base`, with a fitting strategy
from :mod:`crmlab.clv.fitting`), report standard errors from the observed information,
remember the time unit of the data they were fitted on, share one prediction interface
(:mod:`crmlab.clv._customer_base`) and save to JSON (:func:`load_model`). Intervals for every
prediction, from parameter draws or the bootstrap: :mod:`crmlab.clv.intervals`; simulated against
observed histories: :mod:`crmlab.clv.checks`. :mod:`crmlab.clv.scoring` scores a fitted model where the
customers are: in memory, on Spark, or in a Parquet file.
"""

from . import checks, correlation, fitting, intervals, scoring
from .base import MaximumLikelihoodModel, load_model, model_from_json
from .bgbb import BetaGeoBetaBinom
from .bgnbd import BetaGeo
from .cnbd import BetaGeoCNBD, ModifiedBetaGeoCNBD
from .comparison import LikelihoodRatioTest, compare_models, likelihood_ratio_test
from .dyncov import ParetoNBDDynamic
from .evaluation import HoldoutEvaluation, evaluate_holdout, tracking_table
from .gammagamma import GammaGamma
from .ggompertz import GammaGompertzNBD
from .lifetime_value import customer_base_value, customer_lifetime_value, write_customer_values
from .mbgnbd import ModifiedBetaGeo
from .paretonbd import ParetoNBD
from .sbg import ShiftedBetaGeometric, snapshot_rows, survivor_rows
from .scoring import score, score_parquet, score_spark

MODELS = {cls.__name__: cls for cls in (BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom, GammaGamma,
                                        ShiftedBetaGeometric, BetaGeoCNBD, ModifiedBetaGeoCNBD,
                                        GammaGompertzNBD, ParetoNBDDynamic)}

__all__ = ["BetaGeo", "ModifiedBetaGeo", "ParetoNBD", "BetaGeoBetaBinom", "GammaGamma", "MaximumLikelihoodModel",
           "load_model", "MODELS", "customer_lifetime_value", "customer_base_value", "evaluate_holdout", "fitting",
           "intervals", "checks", "correlation",
           "tracking_table", "HoldoutEvaluation", "ShiftedBetaGeometric", "survivor_rows",
           "snapshot_rows", "write_customer_values", "likelihood_ratio_test", "compare_models", "LikelihoodRatioTest",
           "BetaGeoCNBD", "ModifiedBetaGeoCNBD", "GammaGompertzNBD", "model_from_json", "scoring", "score",
           "score_spark", "score_parquet", "ParetoNBDDynamic"]
