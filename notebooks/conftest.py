"""Notebook runs are quiet: a cell that writes to stderr (a warning, a missing glyph, a library's notice) fails.

nbval executes every cell of both editions; this checks what each cell printed on stderr, which nbval's output
comparison (only for cells marked ``# NBVAL_CHECK_OUTPUT``) would let through.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    outputs = getattr(item, "test_outputs", None) or []
    noise = [output.get("text", "") for output in outputs
             if output.get("output_type") == "stream" and output.get("name") == "stderr"]
    if noise:
        raise AssertionError(f"the cell wrote to stderr: {''.join(noise)[:500]}")
    return result
