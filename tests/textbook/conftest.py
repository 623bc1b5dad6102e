"""The ``chapter`` fixture: ``chapter("003")`` is the text of a textbook chapter (see :mod:`chapters`)."""

from __future__ import annotations

import pytest

from .chapters import chapter_text


@pytest.fixture(scope="session")
def chapter():
    return chapter_text
