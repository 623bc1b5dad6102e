"""Studies: which notebooks to run, in which order, with which parameters and data — run as one command.

A study is a YAML file (``studies/*.yaml``)::

    name: course
    title: Every notebook of the course on the bundled data
    notebooks:                      # in order; a name, or a name with its own parameters
      - 01_customer_data.ipynb
      - notebook: 04_clv_probabilistic_models.ipynb
        parameters: {cdnow_kind: master}
    parameters: {lang: en}          # for every notebook that declares them
    inputs: ["data/raw/*"]          # files to fingerprint in the manifest (paths relative to the project)

Parameters are checked against each notebook's ``parameters`` cell before anything
runs: a name no notebook of the study declares is an error listing the valid names,
and a value must have the type of the notebook's default (an int is accepted for a
float, anything for a default of None). :func:`run_study` executes the notebooks with
Papermill into ``reports/<study>/<timestamp>/`` with HTML renderings and a
``manifest.json`` (parameters, versions, SHA-256 of every input file, git commit,
start and end times, each notebook's duration, the platform, every installed package and the BLAS numpy uses;
paths inside the project are recorded relative to it). Notebooks that declare ``processed_dir`` write their
derived tables there as Parquet and as CSV in UTF-8 with a byte-order mark, which Excel opens with Chinese text
intact (``data/processed/<study>/<timestamp>/``), and their key figures — model estimates, fit statistics,
holdout metrics — with :func:`crmlab.results.save_results`; the run gathers these into ``results.json`` beside
the manifest and a one-page ``summary.html`` linking to each notebook's page.

A study's name (``name:``, or the file's stem) is a plain name — letters, digits,
``_`` and ``-`` — since it names folders. A run is written to ``<timestamp>.partial``
and renamed when every notebook has succeeded; a failed or interrupted run is renamed
``<timestamp>-failed`` or ``<timestamp>-interrupted`` with its partial outputs and a
manifest saying what happened, and so is the folder of derived tables the run had
begun (``data/processed/<study>/<timestamp>-failed``): a folder without a suffix is
always complete.

When the notebooks read an analyst's file (a ``transactions_path`` parameter), the run
first cleans it with :func:`crmlab.transactions.clean` as the notebooks do (with the ``columns``,
``encoding``, ``date_format``, ``observation_end``, ``cancellations``, ``duplicates`` and
``zero_value`` parameters): a file that cannot be read stops the run before any notebook starts,
and the report — every dropped row counted with its reason (rows without a customer, rows dated
after the observation end or after today, …) — goes to ``data_quality.txt`` in the report folder
and to the manifest. On such a file the notebooks run without their cells tagged ``bundled-data``
(text, tables and comparisons that describe the bundled data sets) and without their exercises
(:func:`crmlab.study_data.without_bundled_cells`), so a reader never sees another data set's words
on their data. Text parameters are injected as written (``"客户编号"``, not ``"\\u5ba2…"``).

``crmlab study new FILE`` (:func:`new_study`) inspects an analyst's file and writes a study of it.
A study is found by its file's stem or by its ``name:``; names are unique.
"""

from __future__ import annotations

import ast
import fnmatch
import glob
import hashlib
import json
import platform
import re
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import paths
from .errors import StudyError
from .results import collect_results

__all__ = ["OWN_DATA_NOTEBOOKS", "NotebookStep", "Study", "StudyError", "course_notebooks", "declared_parameters",
           "list_studies", "load_study", "new_study", "notebook_number", "run_notebooks", "run_study", "save_tables"]

STUDIES = paths.PROJECT_ROOT / "studies"
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-]+")
_VERSIONED = ("crmlab", "pandas", "numpy", "scipy", "statsmodels", "scikit-learn", "lifetimes", "duckdb",
              "ibis-framework", "papermill", "nbconvert", "matplotlib", "seaborn")


#: A course notebook's stem: two digits, an optional lower-case letter for a notebook inserted after another
#: (04b follows 04), then ``_name``.
COURSE_NOTEBOOK = re.compile(r"(?P<number>\d\d)(?P<letter>[a-z]?)_\w+")


def course_notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """The numbered notebooks ``NN_name.ipynb`` and ``NNx_name.ipynb`` of ``folder`` in course order — 04 < 04b < 05 —
    (not copies such as ``NN_name.x.ipynb``)."""
    found = [(COURSE_NOTEBOOK.fullmatch(p.stem), p) for p in folder.glob("[0-9][0-9]*_*.ipynb")]
    return [p for _, p in sorted(((m["number"], m["letter"]), p) for m, p in found if m)]


def notebook_number(notebook: Path | str) -> str:
    """The number of a course notebook with its letter — "04" for 04_clv_…, "04b" for 04b_clv_… — or, for another
    notebook a study runs, its name without the suffix."""
    match = COURSE_NOTEBOOK.fullmatch(Path(notebook).stem)
    return match["number"] + match["letter"] if match else Path(notebook).stem


def declared_parameters(notebook: Path) -> dict[str, object]:
    """Names and default values assigned in the notebook's cell tagged ``parameters``."""
    import nbformat

    cells = [c for c in nbformat.read(notebook, as_version=4).cells
             if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise StudyError(f"{notebook.name} must have exactly one cell tagged 'parameters', found {len(cells)}")
    defaults = {}
    for statement in ast.parse(cells[0].source).body:
        if not isinstance(statement, ast.Assign):
            continue
        value = ast.literal_eval(statement.value)
        for target in statement.targets:
            if isinstance(target, ast.Tuple):
                defaults.update({name.id: item for name, item in zip(target.elts, value, strict=True)})
            else:
                defaults[target.id] = value
    return defaults


@dataclass(frozen=True)
class NotebookStep:
    """One notebook of a study and the parameters it will receive."""

    notebook: Path
    parameters: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Study:
    """A parsed study file (see the module docstring for the format)."""

    name: str
    title: str
    steps: tuple[NotebookStep, ...]
    parameters: dict
    inputs: tuple[str, ...]
    source: Path


def _fail(source: Path, problem: str) -> StudyError:
    return StudyError(f"{source}: {problem}")


def load_study(path: str | Path) -> Study:
    """Read a study file (a path, or the name of a file in ``studies/``) and check its structure."""
    import yaml

    source = Path(path)
    if not source.is_file() and (STUDIES / f"{path}.yaml").is_file():
        source = STUDIES / f"{path}.yaml"
    if not source.is_file():
        named = [study.source for study in list_studies() if study.name == str(path)]
        if not named:
            known = ", ".join(s.stem for s in sorted(STUDIES.glob("*.yaml")))
            raise StudyError(f"no study file {path!s}; the lab's studies are: {known}")
        source = named[0]
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise _fail(source, f"not valid YAML ({error})") from error
    if not isinstance(document, dict):
        raise _fail(source, "a study is a mapping with keys name, notebooks and optionally title, parameters, inputs")
    unknown = set(document) - {"name", "title", "notebooks", "parameters", "inputs"}
    if unknown:
        raise _fail(source, f"unknown keys {sorted(unknown)}; allowed: name, title, notebooks, parameters, inputs")
    if not isinstance(document.get("notebooks"), list) or not document["notebooks"]:
        raise _fail(source, "'notebooks' must list at least one notebook")
    steps = []
    for entry in document["notebooks"]:
        name, parameters = (entry, {}) if isinstance(entry, str) else (entry.get("notebook"), entry.get("parameters")
                                                                       or {})
        if not isinstance(name, str) or not isinstance(parameters, dict):
            raise _fail(source, "each notebook is a file name or {notebook: NAME, parameters: {...}}, "
                                f"got {entry!r}")
        notebook = paths.NOTEBOOKS / name
        if not notebook.is_file():
            available = ", ".join(p.name for p in course_notebooks())
            raise _fail(source, f"notebook {name} does not exist; available: {available}")
        steps.append(NotebookStep(notebook, parameters))
    parameters = document.get("parameters") or {}
    inputs = document.get("inputs") or []
    if not isinstance(parameters, dict) or not isinstance(inputs, list):
        raise _fail(source, "'parameters' must be a mapping and 'inputs' a list of paths or patterns")
    name = str(document.get("name") or source.stem)
    if not _PLAIN_NAME.fullmatch(name):
        raise _fail(source, f"study name {name!r} must be a plain name of letters, digits, '_' and '-' (it names the "
                            "folders reports/<name>/ and data/processed/<name>/); set e.g. 'name: my_study'")
    return Study(name, str(document.get("title") or ""), tuple(steps), parameters, tuple(map(str, inputs)), source)


def list_studies(folder: Path | None = None) -> list[Study]:
    """Every study file of ``folder`` (default ``studies/``), parsed; names must be unique (they name the report
    folders and ``crmlab study run NAME`` finds a study by its name)."""
    studies = [load_study(path) for path in sorted((folder or STUDIES).glob("*.yaml"))]
    files: dict[str, list[str]] = {}
    for study in studies:
        files.setdefault(study.name, []).append(study.source.name)
    repeated = {name: found for name, found in files.items() if len(found) > 1}
    if repeated:
        raise StudyError("study names must be unique, but " + "; ".join(
            f"{name!r} is the name of {', '.join(found)}" for name, found in repeated.items())
            + "; change the 'name:' of all but one")
    return studies


#: The notebooks a study of an analyst's transaction log runs by default (quality, value, segments, CLV, churn).
OWN_DATA_NOTEBOOKS = ("01_customer_data.ipynb", "02_customer_value.ipynb", "03_segmentation.ipynb",
                      "04_clv_probabilistic_models.ipynb", "08_retention_economics.ipynb")


def _unique_name(wanted: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "_", wanted).strip("_-") or "own_data"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name


def new_study(data_file: str | Path, *, name: str | None = None, notebooks=OWN_DATA_NOTEBOOKS, lang: str = "en",
              columns: dict | None = None, encoding: str | None = None, date_format: str | None = None,
              folder: Path | None = None) -> Path:
    """Inspect an analyst's transaction file and write a study of it, ``<folder>/<name>.yaml``; return its path.

    The file's encoding is detected (:func:`crmlab.reading.detect_encoding`: UTF-8, UTF-8 with BOM, UTF-16,
    GB18030) unless ``encoding`` is given; the column map is proposed from the header
    (:func:`crmlab.study_data.propose_columns`: 客户编号 / 订单日期 / 金额 as well as customer_id / date / amount)
    unless ``columns`` is given; the date format is settled from the data
    (:func:`crmlab.study_data.propose_date_format`) unless ``date_format`` is given. The study's name is ``name``
    or the file's stem made a plain name, with ``_2``, ``_3``, … appended while a study of ``folder`` (default
    ``studies/``) already has it. Chinese notebooks (``notebooks/zh/``) are used for ``lang="zh"``.

    Raises
    ------
    StudyError
        When the header names no customer or date column, or no amount (or quantity and price), or ``name``
        is taken.
    AmbiguousDateError
        When the day/month order of the dates cannot be told from the data: pass ``date_format``.
    """
    import yaml

    from .i18n import check_lang, message
    from .reading import read_table
    from .study_data import propose_columns, propose_date_format

    check_lang(lang)
    unknown = [n for n in notebooks if not (paths.NOTEBOOKS / n).is_file()]
    if unknown:
        raise StudyError(f"no notebook {', '.join(map(str, unknown))}; a study of a transaction log runs "
                         f"{', '.join(OWN_DATA_NOTEBOOKS)} (by number: {' '.join(n[:2] for n in OWN_DATA_NOTEBOOKS)})")
    folder = Path(folder or STUDIES)
    path = Path(data_file).expanduser().resolve()
    table = read_table(path, encoding=encoding)
    mapped = dict(columns or propose_columns(table.frame.columns))
    if "customer" not in mapped or "date" not in mapped or not ("amount" in mapped or {"quantity", "price"} <= set(
            mapped)):
        raise StudyError(f"{path.name}: cannot tell the customer, date and amount columns from its header "
                         f"{list(table.frame.columns)} (proposed: {mapped}); name them, e.g. --customer-col 客户编号 "
                         "--date-col 订单日期 --amount-col 金额")
    if date_format is None:
        date_format = propose_date_format(table.frame[mapped["date"]], mapped["date"], path.name)
    taken = {study.name for study in list_studies(folder)} | {p.stem for p in folder.glob("*.yaml")}
    if name is not None and name in taken:
        raise StudyError(f"a study named {name!r} exists already in {folder}; choose another name")
    name = name if name is not None else _unique_name(path.stem, taken)
    parameters = {"transactions_path": _relative(path), "columns": mapped, "encoding": table.encoding,
                  "date_format": date_format, "dataset_label": path.name, "lang": lang}
    document = {"name": name, "title": message("study_new_title", lang, file=path.name),
                "notebooks": [f"zh/{n}" if lang == "zh" else n for n in notebooks],
                "parameters": {k: v for k, v in parameters.items() if v is not None}}
    header = (f"# Written by `crmlab study new {path.name}`: check the proposed column map, encoding and date format,\n"
              "# then run it with `crmlab study run " + name + "`. Other parameters of the notebooks (cancellations,\n"
              "# observation_end, calibration_end or holdout_length, ...) can be added under parameters.\n")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.yaml"
    target.write_text(header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def _type_problem(name: str, value, default, notebook: str) -> str | None:
    if default is None or value is None:
        return None
    expected = type(default)
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif isinstance(default, list | tuple):
        ok = isinstance(value, list | tuple)
    else:
        ok = isinstance(value, expected)
    if ok:
        return None
    return (f"parameter {name!r} of {notebook} expects a {expected.__name__} like its default {default!r}, "
            f"got {value!r} ({type(value).__name__})")


def resolve_parameters(study: Study, overrides: dict | None = None) -> list[NotebookStep]:
    """The steps with their final parameters: study-wide values and overrides go to every notebook declaring them.

    Raises StudyError for a name no notebook of the study declares (listing the valid names) and for a value
    whose type does not match the notebook's default.
    """
    declared = {step.notebook: declared_parameters(step.notebook) for step in study.steps}
    valid = sorted(set().union(*declared.values()))
    shared = {**study.parameters, **(overrides or {})}
    unknown = [name for name in shared if name not in valid]
    if unknown:
        raise StudyError(f"unknown parameter(s) {unknown} for study {study.name!r}; valid names: {', '.join(valid)}")
    resolved, problems = [], []
    for step in study.steps:
        own = declared[step.notebook]
        for name in step.parameters:
            if name not in own:
                problems.append(f"{step.notebook.name} has no parameter {name!r}; it declares {', '.join(own)}")
        values = {**{k: v for k, v in shared.items() if k in own}, **step.parameters,
                  **{k: v for k, v in (overrides or {}).items() if k in own}}
        problems += [p for name, value in values.items() if name in own
                     and (p := _type_problem(name, value, own[name], step.notebook.name))]
        for name, value in values.items():
            if name.endswith("_path") and isinstance(value, str):
                found = _existing_file(value)
                if found is None:
                    problems.append(f"{name} = {value!r}: no such file (relative paths are read from the current "
                                    f"folder or from the project root {paths.PROJECT_ROOT})")
                else:
                    values[name] = str(found)
        resolved.append(NotebookStep(step.notebook, values))
    if problems:
        raise StudyError("; ".join(problems))
    return resolved


def save_tables(processed_dir: str | Path | None, **tables) -> dict[str, Path]:
    """Write each DataFrame as ``<processed_dir>/<name>.parquet`` and ``<name>.csv`` (nothing when ``processed_dir``
    is None).

    Notebooks call this with their ``processed_dir`` parameter, which a study run sets, so derived tables
    (customer summary, segments, CLV per customer) can be taken to other tools: Parquet keeps the types, and the
    CSV is UTF-8 with a byte-order mark, so that Excel opens Chinese text correctly. Refuses ``data/raw/``.
    Returns the Parquet files by name.
    """
    if processed_dir is None:
        return {}
    folder = Path(processed_dir).expanduser().resolve()
    if folder == paths.RAW_DATA.resolve() or paths.RAW_DATA.resolve() in folder.parents:
        raise StudyError(f"derived tables never go to {paths.RAW_DATA}; choose a folder under data/processed/")
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, table in tables.items():
        target = folder / f"{name}.parquet"
        frame = table.to_frame() if not hasattr(table, "columns") else table
        frame.to_parquet(target)
        frame.to_csv(folder / f"{name}.csv", encoding="utf-8-sig")
        written[name] = target
    return written


def _existing_file(value: str) -> Path | None:
    path = Path(value).expanduser()
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, paths.PROJECT_ROOT / path]
    return next((c.resolve() for c in candidates if c.is_file()), None)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _input_files(study: Study, steps: list[NotebookStep]) -> list[Path]:
    """Files named by the study's ``inputs`` patterns, plus parameter values that are existing files."""
    found = set()
    for pattern in study.inputs:
        if pattern.startswith("lifetimes:"):
            from .datasets import lifetimes_data_file

            found.add(lifetimes_data_file(pattern.split(":", 1)[1]))
            continue
        matches = glob.glob(str(paths.PROJECT_ROOT / pattern))
        if not matches:
            raise StudyError(f"{study.source}: input pattern {pattern!r} matches no file")
        found.update(Path(m) for m in matches if Path(m).is_file() and not fnmatch.fnmatch(m, "*README*"))
    for step in steps:
        for value in step.parameters.values():
            if isinstance(value, str) and len(value) < 4096 and Path(value).expanduser().is_file():
                found.add(Path(value).expanduser().resolve())
    return sorted(found)


def _git_commit() -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.PROJECT_ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=paths.PROJECT_ROOT, capture_output=True,
                               text=True, check=True).stdout.strip() != ""
        return {"commit": commit, "uncommitted_changes": dirty}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "uncommitted_changes": None}


def _versions() -> dict:
    found = {"python": platform.python_version()}
    for package in _VERSIONED:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def _environment() -> dict:
    """The platform, every installed distribution with its version, and the BLAS/OpenMP libraries numpy uses."""
    from importlib.metadata import distributions

    import numpy  # loads its BLAS, so that threadpoolctl sees it
    from threadpoolctl import threadpool_info

    packages = {dist.metadata["Name"]: dist.version for dist in distributions() if dist.metadata["Name"]}
    blas = [{key: info.get(key) for key in ("user_api", "internal_api", "version", "num_threads", "threading_layer",
                                             "architecture")} | {"library": Path(info["filepath"]).name}
            for info in threadpool_info()]
    return {"platform": platform.platform(), "machine": platform.machine(), "python": platform.python_version(),
            "numpy_blas": blas, "numpy": numpy.__version__, "packages": dict(sorted(packages.items(), key=lambda kv:
                                                                                    kv[0].lower()))}


def _recorded(parameters: dict) -> dict:
    """Parameters as the manifest records them: paths inside the project relative to it."""
    return {name: _relative(value) if isinstance(value, str) and (name.endswith("_path") or name == "processed_dir")
            else value for name, value in parameters.items()}


def _relative(path) -> str:
    """``path`` relative to the project root when it lies inside the project, else as given."""
    try:
        return str(Path(path).resolve().relative_to(paths.PROJECT_ROOT.resolve()))
    except ValueError:
        return str(path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_notebooks(notebooks: list[Path], output_dir: Path, parameters: dict | None = None,
                  progress: bool = True) -> list[Path]:
    """Execute ``notebooks`` with the same ``parameters`` into ``output_dir`` (a study without a file).

    Names a notebook does not declare are ignored by it. See :func:`run_steps`.
    """
    steps = [NotebookStep(nb, {k: v for k, v in (parameters or {}).items() if k in declared_parameters(nb)})
             for nb in notebooks]
    return run_steps(steps, Path(output_dir), progress=progress)["executed"]


def _jobs(jobs: int | None) -> int:
    """Notebooks run at once: ``jobs``, or the machine's cores up to 2 (each kernel also uses a core)."""
    import os

    if jobs is None:
        return max(1, min(2, os.cpu_count() or 1))
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise StudyError(f"jobs must be a whole number >= 1, got {jobs!r}")
    return jobs


def _readable_python_translator():
    """Papermill's Python translator, writing text parameters as Python literals that keep non-ASCII characters
    (``columns = {"customer": "客户编号"}``, where papermill's own writes ``"\\u5ba2\\u6237..."``)."""
    from papermill.translators import PythonTranslator

    class ReadablePythonTranslator(PythonTranslator):
        @classmethod
        def translate_str(cls, val):
            return repr(str(val))

    return ReadablePythonTranslator


def _execute(step: NotebookStep, target: Path, entry: dict) -> None:
    """Run one notebook with Papermill into ``target``, quietly; record its time in ``entry``.

    On the analyst's own file (a ``transactions_path`` parameter) the notebook runs without the cells that
    describe the bundled data and without its exercises (:func:`crmlab.study_data.without_bundled_cells`).
    """
    import nbformat
    import papermill
    from papermill.translators import papermill_translators

    from .study_data import without_bundled_cells

    papermill_translators.register("python", _readable_python_translator())
    source = nbformat.read(step.notebook, as_version=4)
    if step.parameters.get("transactions_path"):
        source = without_bundled_cells(source)
    start = time.perf_counter()
    try:
        # the kernel's own log (e.g. ipykernel's notice that it talks over local TCP) is not the reader's business
        papermill.execute_notebook(source, str(target), parameters=step.parameters,
                                   cwd=str(step.notebook.parent), progress_bar=False, kernel_name="python3",
                                   extra_arguments=["--IPKernelApp.log_level=ERROR"])
    finally:
        entry["seconds"] = round(time.perf_counter() - start, 3)
    entry["status"] = "complete"


def run_steps(steps: list[NotebookStep], output_dir: Path, *, progress: bool = True, html: bool = True,
              manifest: dict | None = None, tables_dir: Path | None = None,
              files: dict[str, str] | None = None, jobs: int | None = None) -> dict:
    """Execute the steps with Papermill, ``jobs`` at a time, render the reader's site, and write ``manifest.json``.

    Each notebook runs with its working directory set to its folder; notebooks are independent, so up to
    ``jobs`` run at once (default: the cores, at most 2), and the progress bar names the ones running. When
    all have succeeded, :func:`crmlab.site.render_site` writes an HTML page per notebook and ``index.html``
    (in the language of the ``lang`` parameter). On failure the partial outputs are kept in
    ``<output_dir>-failed`` (``-interrupted`` after Ctrl-C), ``tables_dir`` (where the notebooks write derived
    tables) is renamed with the same suffix, and a StudyError names the notebook, the cell and the error.
    ``files`` (name -> text) are written into the report folder first. Returns the manifest, with the executed
    notebooks under ``executed``.
    """
    import logging
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    from papermill.exceptions import PapermillExecutionError
    from tqdm.auto import tqdm

    staging = output_dir.with_name(output_dir.name + ".partial")
    staging.mkdir(parents=True, exist_ok=False)
    for name, text in (files or {}).items():
        (staging / name).write_text(text, encoding="utf-8")
    record = {**(manifest or {}), "started": _now(), "status": "running",
              "notebooks": [{"notebook": step.notebook.name, "parameters": _recorded(step.parameters),
                             "status": "waiting"} for step in steps]}

    def finish(status: str, folder: Path) -> None:
        record.update(status=status, finished=_now())
        if tables_dir is not None and status != "complete" and tables_dir.exists():
            marked = tables_dir.with_name(f"{tables_dir.name}-{status}")
            tables_dir.rename(marked)
            record["processed_dir"] = _relative(marked)
        (staging / "manifest.json").write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
        staging.rename(folder)

    papermill_log = logging.getLogger("papermill")
    level = papermill_log.level
    papermill_log.setLevel(logging.ERROR)  # parameters were checked before the run; papermill's guesses are noise
    running: dict = {}
    workers = _jobs(jobs)
    pool = ThreadPoolExecutor(max_workers=workers)
    bar = tqdm(total=len(steps), desc="notebooks", unit="nb", disable=not progress)
    try:
        pending = list(zip(steps, record["notebooks"], strict=True))
        while pending or running:
            while pending and len(running) < workers:
                step, entry = pending.pop(0)
                entry["status"] = "running"
                running[pool.submit(_execute, step, staging / step.notebook.name, entry)] = entry
            bar.set_postfix_str(", ".join(e["notebook"] for e in running.values()))
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                entry = running.pop(future)
                if future.exception() is not None:
                    pending.clear()  # start nothing new; let the ones running finish, then report the failure
                    wait(running)
                    entry["status"] = "failed"
                    raise future.exception()
                bar.update()
        results = collect_results(tables_dir) if tables_dir is not None else {}
        if results:
            (staging / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False),
                                                  encoding="utf-8")
        if html:
            bar.set_postfix_str("rendering the pages")
            from .site import render_site, write_summary

            lang = next((s.parameters["lang"] for s in steps if "lang" in s.parameters), "en")
            if results:
                write_summary(staging, {**record, "status": "complete"}, results, lang=lang)
            render_site(staging, record, lang=lang)
    except PapermillExecutionError as error:
        entry.update(status="failed", error=f"{error.ename}: {error.evalue}", cell=error.exec_count)
        failed = output_dir.with_name(output_dir.name + "-failed")
        finish("failed", failed)
        raise StudyError(f"{entry['notebook']} failed in cell [{error.exec_count}] with {error.ename}: "
                         f"{error.evalue}. Partial outputs are in {failed}") from error
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        finish("interrupted", output_dir.with_name(output_dir.name + "-interrupted"))
        raise
    except BaseException:
        finish("failed", output_dir.with_name(output_dir.name + "-failed"))
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        bar.close()
        papermill_log.setLevel(level)
    finish("complete", output_dir)
    record["executed"] = [output_dir / step.notebook.name for step in steps]
    return record


def _check_transactions(steps: list[NotebookStep]):
    """The data-quality report of the analyst's file the notebooks will read (None without one): the file cleaned
    as the notebooks clean it (their ``columns``, ``encoding``, ``date_format``, ``observation_end``,
    ``cancellations``, ``duplicates`` and ``zero_value`` parameters), every dropped row counted with its reason,
    in the language of the study's ``lang`` parameter. A file that cannot be read or cleaned raises here, before
    any notebook runs."""
    from .transactions import ColumnMap, clean

    for step in steps:
        parameters = step.parameters
        if parameters.get("transactions_path"):
            columns = parameters.get("columns") or {}
            if not isinstance(columns, dict):
                raise StudyError(f"parameter 'columns' maps roles to column names, e.g. {{customer: client}}, "
                                 f"got {columns!r}")
            policy = {name: parameters[name] for name in ("cancellations", "duplicates", "zero_value")
                      if name in parameters}
            _, report = clean(parameters["transactions_path"], ColumnMap.from_roles(columns),
                              observation_end=parameters.get("observation_end"),
                              date_format=parameters.get("date_format"), encoding=parameters.get("encoding"),
                              lang=parameters.get("lang", "en"), **policy)
            return report
    return None


def run_study(study: Study | str | Path, *, overrides: dict | None = None, reports_dir: Path | None = None,
              processed_dir: Path | None = None, progress: bool = True, html: bool = True,
              jobs: int | None = None) -> Path:
    """Validate, then run a study into ``reports_dir/<study>/<timestamp>/``; return that folder.

    The folder holds the executed notebooks, their HTML pages and ``index.html`` (open it in a browser; it
    needs no network), and ``manifest.json``. ``jobs``: notebooks run at once (see :func:`run_steps`).
    """
    study = study if isinstance(study, Study) else load_study(study)
    reports_dir, processed_dir = reports_dir or paths.REPORTS, processed_dir or paths.PROCESSED_DATA
    steps = resolve_parameters(study, overrides)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    output = Path(reports_dir) / study.name / stamp
    tables = Path(processed_dir) / study.name / stamp
    steps = [NotebookStep(s.notebook, {**s.parameters, "processed_dir": str(tables)})
             if "processed_dir" in declared_parameters(s.notebook) else s for s in steps]
    inputs = _input_files(study, steps)
    quality = _check_transactions(steps)
    manifest = {
        "study": study.name, "title": study.title, "study_file": _relative(study.source),
        "study_file_sha256": _sha256(study.source), "overrides": overrides or {},
        "inputs": [{"path": _relative(p), "bytes": p.stat().st_size, "sha256": _sha256(p)} for p in inputs],
        "git": _git_commit(), "versions": _versions(), "environment": _environment(),
        "processed_dir": _relative(tables), "project_root": str(paths.PROJECT_ROOT),
    }
    if quality is not None:
        manifest["data_quality"] = {"source": _relative(quality.source), "rows": quality.rows_in,
                                    "customers": quality.customers_in, "rows_kept": quality.rows_kept,
                                    "customers_kept": quality.customers_kept,
                                    "dropped": {k: n for k, n in quality.dropped.items() if n},
                                    "findings": {k: n for k, n in quality.findings.items() if n},
                                    "policy": quality.policy, "notes": list(quality.notes)}
    run_steps(steps, output, progress=progress, html=html, manifest=manifest, tables_dir=tables,
              files={"data_quality.txt": f"{quality}\n"} if quality is not None else None, jobs=jobs)
    latest = output.parent / "latest"
    if latest.is_symlink():
        latest.unlink()
    if not latest.exists():
        latest.symlink_to(output.name)
    return output
