"""Studies: parsing and validation before anything runs, manifests, failures, derived tables, data/raw untouched."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from papermill.exceptions import PapermillExecutionError

import crmlab as cl
from crmlab.errors import AmbiguousDateError
from crmlab.studies import StudyError

# the project's own studies, named: an analyst's study file added to studies/ is not the project's to test
SHIPPED = [cl.paths.PROJECT_ROOT / "studies" / f"{name}.yaml"
           for name in ("cdnow_replication", "course", "course_zh", "my_data_template")]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_studies_parse_and_validate(path):
    study = cl.studies.load_study(path)
    steps = cl.studies.resolve_parameters(study)
    assert steps and all(step.notebook.is_file() for step in steps)


def test_the_course_study_runs_every_notebook_in_order():
    study = cl.studies.load_study("course")
    assert [step.notebook for step in study.steps] == cl.studies.course_notebooks()


def test_course_notebooks_take_lettered_insertions_in_order(tmp_path):
    names = ["05_next.ipynb", "04b_after_four.ipynb", "10_ten.ipynb", "04_four.ipynb", "04a_first_insert.ipynb",
             "00_index.ipynb", "04_four.copy.ipynb", "04B_upper.ipynb", "4_short.ipynb", "04bb_two_letters.ipynb",
             "notes.ipynb"]
    for name in names:
        (tmp_path / name).write_text("{}")
    found = [p.name for p in cl.studies.course_notebooks(tmp_path)]
    assert found == ["00_index.ipynb", "04_four.ipynb", "04a_first_insert.ipynb", "04b_after_four.ipynb",
                     "05_next.ipynb", "10_ten.ipynb"]
    assert [cl.studies.notebook_number(name) for name in found] == ["00", "04", "04a", "04b", "05", "10"]
    assert cl.studies.notebook_number("my_analysis.ipynb") == "my_analysis"


def test_declared_parameters_read_the_parameters_cell():
    declared = cl.studies.declared_parameters(cl.paths.NOTEBOOKS / "03_segmentation.ipynb")
    assert declared["k_min"] == 2 and declared["k_max"] == 6 and declared["observation_end"] is None


@pytest.mark.parametrize("overrides, message", [
    ({"seeed": 3}, r"unknown parameter\(s\) \['seeed'\] .*valid names: .*seed"),
    ({"top": "a lot"}, r"parameter 'top' of 02_customer_value.ipynb expects a float .* got 'a lot' \(str\)"),
    ({"k_min": 2.5}, r"parameter 'k_min' of 03_segmentation.ipynb expects a int"),
    ({"transactions_path": "no/such/file.csv"}, r"transactions_path = 'no/such/file.csv': no such file"),
])
def test_bad_parameters_are_refused_before_anything_runs(overrides, message):
    with pytest.raises(StudyError, match=message):
        cl.studies.resolve_parameters(cl.studies.load_study("my_data_template"), overrides)


def test_relative_paths_are_read_from_the_project_root(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    steps = cl.studies.resolve_parameters(cl.studies.load_study("my_data_template"))
    assert Path(steps[0].parameters["transactions_path"]).is_absolute()


@pytest.mark.parametrize("text, message", [
    ("name: x\nnotebooks: []\n", "'notebooks' must list at least one notebook"),
    ("name: x\nnotebooks: [99_nothing.ipynb]\n", "notebook 99_nothing.ipynb does not exist; available: 00_index"),
    ("name: x\nnotebook: [00_index.ipynb]\n", r"unknown keys \['notebook'\]"),
    ("name: [unclosed\n", "not valid YAML"),
    ("name: x\nnotebooks: [{notebook: 00_index.ipynb, parameters: {nope: 1}}]\n",
     "00_index.ipynb has no parameter 'nope'"),
])
def test_malformed_study_files_get_clear_errors(tmp_path, text, message):
    with pytest.raises(StudyError, match=message):
        cl.studies.resolve_parameters(cl.studies.load_study(_write(tmp_path, text)))


def test_unknown_study_names_list_the_known_ones():
    known = ", ".join(sorted(p.stem for p in cl.studies.STUDIES.glob("*.yaml")))
    with pytest.raises(StudyError, match=f"the lab's studies are: {known}$"):
        cl.studies.load_study("coarse")


def test_a_run_writes_notebooks_html_and_a_complete_manifest(tmp_path):
    study = _write(tmp_path, "name: index\ntitle: the index\nnotebooks: [00_index.ipynb]\n"
                             "inputs: [data/raw/ecsi_mobi.csv]\n")
    output = cl.studies.run_study(study, overrides={"lang": "zh"}, reports_dir=tmp_path / "reports",
                                  processed_dir=tmp_path / "processed", progress=False)
    assert output.parent == tmp_path / "reports" / "index"
    assert (output / "00_index.ipynb").is_file() and "<html" in (output / "00_index.html").read_text()
    manifest = json.loads((output / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["finished"] >= manifest["started"]
    assert manifest["notebooks"][0]["parameters"] == {"lang": "zh"}
    # the record has a duration field, a number (what it measures is not a test's business: no speed claim)
    assert isinstance(manifest["notebooks"][0]["seconds"], float)
    [source] = manifest["inputs"]
    assert source["sha256"] == hashlib.sha256((cl.paths.RAW_DATA / "ecsi_mobi.csv").read_bytes()).hexdigest()
    assert manifest["versions"]["crmlab"] == cl.__version__ and manifest["versions"]["pandas"] == pd.__version__
    assert len(manifest["git"]["commit"]) == 40
    assert (output.parent / "latest").resolve() == output.resolve()


def test_a_failing_notebook_is_reported_with_its_cell_and_keeps_partial_outputs(tmp_path):
    study = _write(tmp_path, "name: broken\nnotebooks: [01_customer_data.ipynb]\nparameters: {cancellations: keep}\n")
    with pytest.raises(StudyError, match=r"01_customer_data.ipynb failed in cell \[\d+\] with ValueError: "
                                         "cancellations must be one of"):
        cl.studies.run_study(study, reports_dir=tmp_path / "reports", progress=False, html=False)
    [folder] = (tmp_path / "reports" / "broken").iterdir()
    assert folder.name.endswith("-failed")  # never mistaken for a complete report
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["notebooks"][0]["status"] == "failed"
    assert (folder / "01_customer_data.ipynb").is_file()


def test_my_data_template_runs_on_another_log_and_writes_derived_tables(tmp_path):
    raw_before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in cl.paths.RAW_DATA.iterdir()}
    template = cl.studies.load_study("my_data_template")  # its value and segmentation notebooks (02, 03)
    study = dataclasses.replace(template, steps=tuple(s for s in template.steps if s.notebook.name[:2] in ("02", "03")),
                                parameters={k: v for k, v in template.parameters.items() if k != "holdout_length"})
    output = cl.studies.run_study(study, reports_dir=tmp_path / "reports",
                                  processed_dir=tmp_path / "processed", progress=False, html=False)
    manifest = json.loads((output / "manifest.json").read_text())
    tables = Path(manifest["processed_dir"])
    segments = pd.read_parquet(tables / "customer_segments.parquet")
    profitability = pd.read_parquet(tables / "customer_profitability.parquet")
    # the study's tables cover exactly the customers of the cleaned log, read with the template's column names
    log, _ = cl.transactions.clean(cl.datasets.load_online_retail_ii(), cl.transactions.ONLINE_RETAIL_II)
    assert set(segments.index) == set(profitability.index) == set(log["customer_id"])
    assert {"R", "F", "M", "segment"} <= set(segments.columns)
    assert any(entry["path"].endswith("online_retail_ii_2009_2010.parquet") for entry in manifest["inputs"])
    assert manifest["data_quality"]["rows"] == len(cl.datasets.load_online_retail_ii())
    assert manifest["data_quality"]["findings"]["missing_customer"] > 0
    assert raw_before == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in cl.paths.RAW_DATA.iterdir()}


def test_derived_tables_never_go_to_raw_data():
    with pytest.raises(StudyError, match="never go to"):
        cl.studies.save_tables(cl.paths.RAW_DATA, x=pd.DataFrame({"a": [1]}))
    assert cl.studies.save_tables(None, x=pd.DataFrame({"a": [1]})) == {}


def test_an_interrupted_run_is_never_mistaken_for_a_complete_report(tmp_path, monkeypatch):
    import papermill

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    study = _write(tmp_path, "name: stopped\nnotebooks: [00_index.ipynb]\n")
    with pytest.raises(KeyboardInterrupt):
        cl.studies.run_study(study, reports_dir=tmp_path / "reports", progress=False)
    [folder] = (tmp_path / "reports" / "stopped").iterdir()
    assert folder.name.endswith("-interrupted")
    assert json.loads((folder / "manifest.json").read_text())["status"] == "interrupted"
    assert not (tmp_path / "reports" / "stopped" / "latest").exists()


@pytest.mark.parametrize("name", ["../data/raw", "my study", "a/b", "x.y", "报告"])
def test_study_names_are_plain_names(tmp_path, name):
    with pytest.raises(StudyError, match=rf"study name '{re.escape(name)}' must be a plain name .*'name: my_study'"):
        cl.studies.load_study(_write(tmp_path, f"name: '{name}'\nnotebooks: [00_index.ipynb]\n"))


def test_a_plain_name_and_a_file_stem_are_accepted(tmp_path):
    study = cl.studies.load_study(_write(tmp_path, "name: my-study_2\nnotebooks: [00_index.ipynb]\n"))
    assert study.name == "my-study_2"
    stem = tmp_path / "my data.yaml"
    stem.write_text("notebooks: [00_index.ipynb]\n")
    with pytest.raises(StudyError, match="study name 'my data'"):
        cl.studies.load_study(stem)


def _fake_notebook_run(fail_with):
    """A stand-in for papermill.execute_notebook that writes a derived table, then fails with ``fail_with``."""
    def execute(notebook, target, parameters, **kwargs):
        cl.studies.save_tables(parameters.get("processed_dir"), segments=pd.DataFrame({"x": [1]}))
        raise fail_with
    return execute


@pytest.mark.parametrize("error, status", [
    (PapermillExecutionError(1, 3, "source", "ValueError", "boom", []), "failed"),
    (KeyboardInterrupt(), "interrupted"),
])
def test_the_tables_of_a_failed_run_are_marked_like_its_report(tmp_path, monkeypatch, error, status):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", _fake_notebook_run(error))
    study = _write(tmp_path, "name: half\nnotebooks: [02_customer_value.ipynb]\n")
    with pytest.raises((StudyError, KeyboardInterrupt)):
        cl.studies.run_study(study, reports_dir=tmp_path / "reports", processed_dir=tmp_path / "processed",
                             progress=False, html=False)
    [tables] = (tmp_path / "processed" / "half").iterdir()
    [report] = (tmp_path / "reports" / "half").iterdir()
    assert tables.name == report.name and tables.name.endswith(f"-{status}")
    assert (tables / "segments.parquet").is_file()
    assert json.loads((report / "manifest.json").read_text())["processed_dir"] == str(tables)


@pytest.fixture
def one_future_line(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("client,day,total\na,2024-01-02,5\nb,2024-01-03,6\nb,2999-01-01,7\n")
    return path


def test_a_study_reports_lines_dated_after_today_before_running(tmp_path, monkeypatch, one_future_line):
    import papermill

    ran = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda notebook, *args, **kwargs: ran.append(notebook))
    study = _write(tmp_path, f"name: mine\nnotebooks: [02_customer_value.ipynb]\nparameters:\n"
                             f"  transactions_path: {one_future_line}\n"
                             "  columns: {customer: client, date: day, amount: total}\n")
    output = cl.studies.run_study(study, reports_dir=tmp_path / "reports", processed_dir=tmp_path / "processed",
                                  progress=False, html=False)
    assert len(ran) == 1
    manifest = json.loads((output / "manifest.json").read_text())
    assert manifest["data_quality"]["rows"] == 3 and manifest["data_quality"]["findings"] == {"after_today": 1}
    assert re.search(r"found\s+after_today .* 1 33.33%", (output / "data_quality.txt").read_text())


def test_a_study_with_an_observation_end_reports_the_lines_after_it(tmp_path, monkeypatch, one_future_line):
    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", lambda *args, **kwargs: None)
    study = _write(tmp_path, f"name: mine\nnotebooks: [03_segmentation.ipynb]\nparameters:\n"
                             f"  transactions_path: {one_future_line}\n  observation_end: '2024-01-02'\n"
                             "  columns: {customer: client, date: day, amount: total}\n")
    output = cl.studies.run_study(study, reports_dir=tmp_path / "reports", processed_dir=tmp_path / "processed",
                                  progress=False, html=False)
    findings = json.loads((output / "manifest.json").read_text())["data_quality"]["findings"]
    assert findings == {"after_observation_end": 2, "after_today": 1}


def test_an_unreadable_analyst_file_stops_the_study_before_any_notebook(tmp_path, monkeypatch):
    import papermill

    ran = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda notebook, *args, **kwargs: ran.append(notebook))
    orders = tmp_path / "orders.csv"
    orders.write_text("client,day,total\na,02/10/2023,5\nb,03/04/2023,6\n")
    study = _write(tmp_path, f"name: mine\nnotebooks: [02_customer_value.ipynb]\nparameters:\n"
                             f"  transactions_path: {orders}\n"
                             "  columns: {customer: client, date: day, amount: total}\n")
    with pytest.raises(AmbiguousDateError, match="date_format='%d/%m/%Y'"):
        cl.studies.run_study(study, reports_dir=tmp_path / "reports", progress=False, html=False)
    assert not ran and not (tmp_path / "reports").exists()
    output = cl.studies.run_study(study, overrides={"date_format": "%d/%m/%Y"}, reports_dir=tmp_path / "reports",
                                  processed_dir=tmp_path / "processed", progress=False, html=False)
    assert json.loads((output / "manifest.json").read_text())["data_quality"]["findings"] == {}


def test_a_study_is_found_by_the_name_study_list_shows():
    assert cl.studies.load_study("my_data").source.name == "my_data_template.yaml"


def test_study_names_are_unique(tmp_path, monkeypatch):
    monkeypatch.setattr(cl.studies, "STUDIES", tmp_path)
    for stem in ("first", "second"):
        (tmp_path / f"{stem}.yaml").write_text("name: shop\nnotebooks: [00_index.ipynb]\n")
    with pytest.raises(StudyError, match=r"'shop' is the name of first.yaml, second.yaml"):
        cl.studies.list_studies()
    orders = tmp_path / "orders.csv"
    orders.write_text("customer_id,date,amount\na,2024-01-02,1\n")
    (tmp_path / "second.yaml").unlink()
    with pytest.raises(StudyError, match="a study named 'shop' exists already"):
        cl.studies.new_study(orders, name="shop")
    assert cl.studies.new_study(orders).stem == "orders" and cl.studies.new_study(orders).stem == "orders_2"
    with pytest.raises(StudyError, match="no notebook 05; a study of a transaction log runs 01_customer_data"):
        cl.studies.new_study(orders, notebooks=["05"])
