"""Let glibc's allocator keep the memory of large temporary arrays between likelihood evaluations.

A likelihood evaluation over tens of thousands of customers makes a few dozen NumPy temporaries of a few hundred
kilobytes each and frees them at its end; a fit makes dozens of evaluations. glibc serves arrays above its mmap
threshold with fresh mappings and returns the top of its heap to the kernel whenever more than its trim threshold
lies free there — so each evaluation asks for the same memory again and the kernel hands it over as zeroed pages,
one page fault per 4 KiB. On a virtual machine a fault costs microseconds: a BG/NBD fit on 50,000 customers with
two covariates took about 4,000 of them, a quarter of its time (``benchmarks/RESULTS.md``, covariate models).

Both thresholds start at 128 KiB and adapt to the program (mallopt(3), "dynamic mmap threshold"): when a mapped
block larger than the mmap threshold, and at most 32 MiB, is freed, the mmap threshold rises to its size and the
trim threshold to twice that. :func:`adapt_to_large_arrays` frees one such block of ``PRIMED_BYTES`` once per
process, as a program that has used a 30 MiB array would have: from then on, arrays up to that size come from the
heap and up to twice that stays free at its top for the next evaluation. It sets no allocator parameter (which
would switch the adaptation off for the whole process); where the C library is not glibc, or the thresholds are
fixed (``MALLOC_TOP_PAD_`` and the like), the freed block changes nothing.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["adapt_to_large_arrays", "PRIMED_BYTES"]

#: Size of the block freed to raise glibc's thresholds: under its 32 MiB cap on the dynamic mmap threshold (with the
#: block's header and page rounding), above the temporaries of a likelihood block of 65,536 rows (4 MiB at most).
PRIMED_BYTES = 30 * 2**20


@functools.cache
def adapt_to_large_arrays() -> None:
    """Allocate and free one untouched block of ``PRIMED_BYTES`` (once per process; see the module docstring)."""
    block = np.empty(PRIMED_BYTES // 8)  # mapped but never written: no page of it is faulted in
    del block
