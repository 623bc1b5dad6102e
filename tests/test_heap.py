"""crmlab.heap: after adapt_to_large_arrays, freed temporaries' memory is reused instead of faulted in afresh."""

import platform
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent("""
    import resource, sys
    import numpy as np
    from crmlab.heap import adapt_to_large_arrays

    def faults():
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(20):  # the pattern of a likelihood evaluation: large temporaries made and dropped
            first = np.ones(300_000)
            second = first * 2.0 + 1.0
            del first, second
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    faults()
    plain = faults()
    adapt_to_large_arrays()
    faults()
    print(plain, faults())
""")


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="the thresholds adapted are glibc's")
def test_temporaries_reuse_memory_after_adapting():
    # a fresh interpreter, with glibc's adaptive thresholds as a user's process has them (no MALLOC_* settings)
    environment = {"PATH": "", "PYTHONPATH": ":".join(sys.path)}
    output = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=environment,
                            check=True).stdout
    plain, adapted = map(int, output.split())
    pages = 20 * 2 * 300_000 * 8 // 4096  # every page of every temporary
    assert plain > pages / 2  # glibc maps each 2.4 MB temporary afresh: the mechanism the module works around
    assert adapted < pages / 100
