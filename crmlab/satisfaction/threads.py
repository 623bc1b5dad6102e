"""One BLAS thread for the PLS-SEM methods.

PLS path modelling works on the indicators' correlation matrix — a few dozen rows and columns — and CB-SEM
(semopy) on a covariance matrix of the same size. For matrices this small OpenBLAS's worker threads cost more
than they save: they wake for every product and then spin beside the computation. On the lab's two-core machine
under load, a bootstrap of the ECSI model ran two to four times and semopy's maximum-likelihood fit of it twenty
times slower with them (17.8 s against 0.8 s). The methods therefore run with one BLAS thread, as the CLV fits do
(:mod:`crmlab.clv.base`), and leave the setting as they found it.
"""

from __future__ import annotations

import functools

__all__ = ["one_blas_thread"]


@functools.cache
def _blas():
    """The BLAS libraries loaded in this process (NumPy's and SciPy's OpenBLAS), found on first use."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread(function):
    """Run ``function`` with the BLAS libraries limited to one thread (restored afterwards, also on errors)."""
    @functools.wraps(function)
    def run(*args, **kwargs):
        with _blas().limit(limits=1, user_api="blas"):
            return function(*args, **kwargs)
    return run
