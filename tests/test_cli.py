"""The crmlab command: exit codes, one-line errors, and each subcommand on real files."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import crmlab as cl
from crmlab.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"crmlab {cl.__version__}"


def test_the_installed_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "crmlab.cli", "study", "list"], capture_output=True, text=True)
    assert done.returncode == 0 and "course" in done.stdout and "my_data" in done.stdout


def test_help_has_examples(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "crmlab study run course" in capsys.readouterr().out


@pytest.fixture
def orders(tmp_path):
    path = tmp_path / "orders.csv"
    pd.DataFrame({"client": ["a", "a", "b", None], "day": ["2024-01-01", "2024-02-01", "2024-01-15", "2024-01-20"],
                  "total": [10.0, 5.0, 7.0, 3.0]}).to_csv(path, index=False)
    return path


def test_data_check_prints_the_quality_report(orders, capsys):
    code = main(["data", "check", str(orders), "--customer-col", "client", "--date-col", "day", "--amount-col",
                 "total"])
    out = capsys.readouterr().out
    assert code == 0 and "4 rows, 2 customers; kept 3 rows (75.0%)" in out
    assert "dropped   missing_customer" in out


def test_summary_writes_the_customer_summary(orders, tmp_path, capsys):
    out = tmp_path / "summary.parquet"
    arguments = ["-o", str(out), "--customer-col", "client", "--date-col", "day", "--amount-col", "total", "--quiet"]
    assert main(["summary", str(orders), *arguments]) == 1  # the blank customer is not a customer: refused
    assert "1 rows with no customer id in column 'client'" in capsys.readouterr().err
    complete = tmp_path / "complete.csv"
    pd.read_csv(orders).dropna().to_csv(complete, index=False)
    code = main(["summary", str(complete), *arguments])
    assert code == 0 and "2 customers written" in capsys.readouterr().out
    table = pd.read_parquet(out)
    assert table.loc["a", "frequency"] == 1 and table.loc["a", "recency"] == 31 and table.loc["b", "T"] == 17
    assert cl.frames.table_info(table).time_unit == "D"  # the unit travels with the file


def test_student_copy_command(tmp_path, capsys):
    code = main(["student-copy", str(cl.paths.NOTEBOOKS / "06_kano_ipa_value_map.ipynb"), "-o", str(tmp_path)])
    assert code == 0 and (tmp_path / "06_kano_ipa_value_map.ipynb").is_file()


@pytest.mark.parametrize("argv, message", [
    (["study", "run", "coarse"], "no study file coarse; the lab's studies are"),
    (["study", "run", "course", "-p", "seeed=1"], r"unknown parameter\(s\) \['seeed'\]"),
    (["data", "check", "missing.csv"], "missing.csv"),
    (["summary", "missing.parquet", "-o", "x.parquet"], "no file missing.parquet"),
])
def test_bad_input_gives_one_line_and_a_nonzero_exit(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("crmlab: error: ") and err.count("\n") == 1
    assert pytest.importorskip("re").search(message, err)


def test_malformed_command_lines_exit_with_2(capsys):
    with pytest.raises(SystemExit) as done:
        main(["study", "run", "course", "-p", "no-equals-sign"])
    assert done.value.code == 2 and "parameters are name=value" in capsys.readouterr().err
