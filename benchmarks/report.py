"""Shared helpers of the benchmarks: the machine description and RESULTS.md sections."""

from __future__ import annotations

import os
import platform
import re
from datetime import date
from importlib.metadata import version
from pathlib import Path

# CRMLAB_BENCH_RESULTS sends the sections elsewhere (a trial --quick run need not overwrite the recorded figures)
RESULTS = Path(os.environ.get("CRMLAB_BENCH_RESULTS", Path(__file__).resolve().parent / "RESULTS.md"))
HEADER = """# Benchmark results

Each section is rewritten by the command given at its end; speed and memory are measured side by side
with the peer in one run and reported as ratios. Tests never assert wall-clock time.
"""


def machine_description() -> str:
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    packages = ", ".join(f"{p} {version(p)}" for p in ("pandas", "duckdb", "ibis-framework", "lifetimes"))
    return (f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, {memory_gb:.0f} GB, "
            f"Python {platform.python_version()}; {packages}.")


def write_section(title: str, body: str) -> None:
    """Replace (or add) the section ``## title`` of RESULTS.md."""
    text = RESULTS.read_text() if RESULTS.is_file() else HEADER
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    RESULTS.write_text(text.rstrip() + "\n")
