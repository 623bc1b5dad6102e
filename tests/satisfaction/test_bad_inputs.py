"""Catalogue of bad inputs to the PLS methods: each gets a crmlab error that names the problem and the fix.

One row per class of problem (issue 13: no silent failure): data that cannot be modelled, models that
cannot be estimated, and fits that do not converge. Every error must be a crmlab error (so also the
built-in ValueError/TypeError a caller expects) — never a bare KeyError, LinAlgError or a NaN result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab as cl
from crmlab.errors import ColumnTypeError, ConvergenceError, CrmlabError, DataError, MissingColumnError
from crmlab.satisfaction import ModelSpecificationError, PathModel, bank_model, plspm


@pytest.fixture(scope="module")
def bank():
    return cl.datasets.load_bank_satisfaction()


def _with(bank, **changes):
    data = bank.copy()
    for column, values in changes.items():
        data[column] = values
    return data


BAD_DATA = {
    "constant indicator": (lambda b: _with(b, imag1=5), DataError, "constant"),
    "missing indicator column": (lambda b: b.drop(columns="sat3"), MissingColumnError, "sat3"),
    "all-NaN column": (lambda b: _with(b, loy2=np.nan), DataError, "no answers"),
    "non-numeric column": (lambda b: _with(b, val1=b["val1"].astype(str) + " pts"), ColumnTypeError, "val1"),
    "infinite value": (lambda b: _with(b, qual3=b["qual3"].replace(b["qual3"].iloc[0], np.inf)), DataError,
                       "infinite"),
    "too few respondents": (lambda b: b.head(5), DataError, "needs at least"),
    "gaps without a missing= policy": (lambda b: _with(b, expe2=b["expe2"].where(b.index > 3)), DataError,
                                       "missing='listwise'"),
    "duplicated column names": (lambda b: pd.concat([b, b[["imag1"]]], axis=1), DataError, "imag1"),
    "not a DataFrame": (lambda b: b.to_numpy(), ColumnTypeError, "DataFrame"),
}


@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_gets_a_crmlab_error(bank, case):
    make, error, message = BAD_DATA[case]
    with pytest.raises(error, match=message) as raised:
        plspm(make(bank), bank_model())
    assert isinstance(raised.value, CrmlabError)


BLOCKS = {"A": ["imag1", "imag2"], "B": ["sat1", "sat2"], "C": ["loy1"]}
BAD_MODELS = {
    "cycle": (dict(blocks=BLOCKS, paths=[("A", "B"), ("B", "C"), ("C", "A")]), "cycle"),
    "unknown construct in a path": (dict(blocks=BLOCKS, paths=[("A", "B"), ("B", "Z")]), "unknown constructs"),
    "indicator in two blocks": (dict(blocks={**BLOCKS, "C": ["sat1"]}, paths=[("A", "B"), ("B", "C")]),
                                "two blocks"),
    "construct without indicators": (dict(blocks={**BLOCKS, "C": []}, paths=[("A", "B"), ("B", "C")]),
                                     "no indicators"),
    "construct in no path": (dict(blocks=BLOCKS, paths=[("A", "B")]), "in no path"),
    "self loop": (dict(blocks=BLOCKS, paths=[("A", "A"), ("B", "C")]), "drive itself"),
    "bad mode": (dict(blocks=BLOCKS, paths=[("A", "B"), ("B", "C")], modes={"A": "C"}), "'A' or 'B'"),
    "higher-order construct with one dimension": (
        dict(blocks=BLOCKS, paths=[("H", "C")], higher_order={"H": ["A"]}), "two or more dimensions"),
    "interaction of an unknown construct": (
        dict(blocks=BLOCKS, paths=[("A", "C"), ("B", "C")], interactions=[("A", "Z")]), "interaction"),
    "interaction as an effect": (
        dict(blocks=BLOCKS, paths=[("A", "C"), ("B", "C"), ("C", "A*B")], interactions=[("A", "B")]),
        "only be causes"),
    "'*' in a construct name": (dict(blocks={"A*": ["imag1"], "B": ["sat1"]}, paths=[("A*", "B")]), "'\\*'"),
}


@pytest.mark.parametrize("case", list(BAD_MODELS))
def test_bad_models_get_a_crmlab_error(case):
    spec, message = BAD_MODELS[case]
    with pytest.raises(ModelSpecificationError, match=message) as raised:
        PathModel(**spec)
    assert isinstance(raised.value, CrmlabError) and isinstance(raised.value, ValueError)


def test_a_fit_that_does_not_converge_says_so_with_the_fix(bank):
    with pytest.raises(ConvergenceError, match="max_iter=1 .*raise max_iter"):
        plspm(bank, bank_model(), max_iter=1)


def test_consistent_pls_only_for_reflective_multi_indicator_constructs(bank):
    model = PathModel(blocks={"A": ["imag1", "imag2"], "B": ["sat1", "sat2"], "C": ["loy1"]},
                      paths=[("A", "B"), ("B", "C")], modes={"A": "B"})
    for wrong in (["C"], ["A"], ["Nope"]):
        with pytest.raises(ModelSpecificationError, match="consistent PLS applies"):
            plspm(bank, model, consistent=wrong)


@pytest.mark.parametrize("argument", [{"scheme": "mode-c"}, {"hoc_method": "guess"},
                                      {"interaction_method": "sum"}, {"missing": "zero"}, {"tol": 0}])
def test_unknown_settings_are_refused(bank, argument):
    with pytest.raises(ValueError, match=next(iter(argument))):
        plspm(bank, bank_model(), **argument)


def test_dimensions_of_a_two_stage_hoc_cannot_have_paths_of_their_own(bank):
    model = PathModel(blocks=BLOCKS, paths=[("H", "C"), ("A", "C")], higher_order={"H": ["A", "B"]})
    with pytest.raises(ModelSpecificationError, match="repeated_indicators"):
        plspm(bank, model)


def test_the_errors_of_the_pls_methods_live_in_crmlab_errors():
    """Moved to crmlab.errors; still importable from the modules that raise them."""
    from crmlab.satisfaction.cbsem import MissingDependencyError
    from crmlab.satisfaction.specification import ModelSpecificationError as from_specification

    assert ModelSpecificationError is cl.errors.ModelSpecificationError is from_specification
    assert MissingDependencyError is cl.errors.MissingDependencyError
    assert issubclass(ModelSpecificationError, ValueError) and issubclass(cl.errors.MissingDependencyError, ImportError)
