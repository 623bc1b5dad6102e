"""Studies: parsing and validation before anything runs, manifests, failures, derived tables, data/raw untouched."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

import crmlab as cl
from crmlab.studies import StudyError

SHIPPED = sorted((cl.paths.PROJECT_ROOT / "studies").glob("*.yaml"))


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
    with pytest.raises(StudyError, match="the lab's studies are: cdnow_replication, course, my_data_template"):
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
    assert manifest["notebooks"][0]["parameters"] == {"lang": "zh"} and manifest["notebooks"][0]["seconds"] > 0
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
    output = cl.studies.run_study("my_data_template", reports_dir=tmp_path / "reports",
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
