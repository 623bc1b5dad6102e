"""Probabilistic customer-base models and customer lifetime value.

======================  ===========================================  ===================================
class                   model                                        reference
======================  ===========================================  ===================================
``BetaGeo``             BG/NBD                                       Fader, Hardie & Lee (2005)
``ModifiedBetaGeo``     MBG/NBD                                      Batislam, Denizel & Filiztekin (2007)
``ParetoNBD``           Pareto/NBD                                   Schmittlein, Morrison & Colombo (1987)
``BetaGeoBetaBinom``    BG/BB (discrete opportunities)               Fader, Hardie & Shang (2010)
``GammaGamma``          spend per transaction                        Fader, Hardie & Lee (2005)
``ShiftedBetaGeometric``  contractual retention (sBG)                Fader & Hardie (2007)
======================  ===========================================  ===================================

All are fitted by maximum likelihood (:mod:`crmlab.clv.base`, with a fitting strategy
from :mod:`crmlab.clv.fitting`), report standard errors from the observed information,
remember the time unit of the data they were fitted on, share one prediction interface
(:mod:`crmlab.clv._customer_base`) and save to JSON (:func:`load_model`). Intervals for every
prediction, from parameter draws or the bootstrap: :mod:`crmlab.clv.intervals`; simulated against
observed histories: :mod:`crmlab.clv.checks`.
"""

from . import checks, fitting, intervals
from .base import MaximumLikelihoodModel, load_model
from .bgbb import BetaGeoBetaBinom
from .bgnbd import BetaGeo
from .evaluation import HoldoutEvaluation, evaluate_holdout, tracking_table
from .gammagamma import GammaGamma
from .lifetime_value import customer_base_value, customer_lifetime_value, write_customer_values
from .mbgnbd import ModifiedBetaGeo
from .paretonbd import ParetoNBD
from .sbg import ShiftedBetaGeometric, snapshot_rows, survivor_rows

MODELS = {cls.__name__: cls for cls in (BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom, GammaGamma,
                                        ShiftedBetaGeometric)}

__all__ = ["BetaGeo", "ModifiedBetaGeo", "ParetoNBD", "BetaGeoBetaBinom", "GammaGamma", "MaximumLikelihoodModel",
           "load_model", "MODELS", "customer_lifetime_value", "customer_base_value", "evaluate_holdout", "fitting",
           "intervals", "checks",
           "tracking_table", "HoldoutEvaluation", "ShiftedBetaGeometric", "survivor_rows",
           "snapshot_rows", "write_customer_values"]
