"""environment.yml mirrors pyproject.toml, the source of truth for dependencies."""

from __future__ import annotations

import tomllib

import yaml
from packaging.requirements import Requirement

import crmlab as cl


def _normalise(requirement: str) -> tuple[str, str]:
    parsed = Requirement(requirement)
    extras = f"[{','.join(sorted(parsed.extras))}]" if parsed.extras else ""
    return parsed.name.lower().replace("_", "-") + extras, str(parsed.specifier)


def test_environment_yml_mirrors_pyproject():
    project = tomllib.loads((cl.paths.PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    requirements = project["dependencies"] + [r for group in extras.values() for r in group]
    wanted = {_normalise(r) for r in requirements if Requirement(r).name != project["name"]}  # not crmlab[lab]
    conda = yaml.safe_load((cl.paths.PROJECT_ROOT / "environment.yml").read_text())["dependencies"]
    listed = set()
    for entry in conda:
        if isinstance(entry, dict):
            listed |= {_normalise(r) for r in entry["pip"] if not r.startswith("-e")}
        elif not entry.startswith(("python", "pip")) or entry.startswith("python-"):
            listed.add(_normalise(entry))
    assert wanted - listed == set(), "in pyproject.toml but not in environment.yml"
    assert listed - wanted == set(), "in environment.yml but not in pyproject.toml"
    python = next(e for e in conda if isinstance(e, str) and e.startswith("python"))
    assert python == "python" + project["requires-python"]


def test_the_library_does_not_need_the_notebook_tooling():
    """`pip install crmlab` gives models, summary, value, segmentation and satisfaction without JupyterLab & co."""
    project = tomllib.loads((cl.paths.PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    core = {Requirement(r).name.lower() for r in project["dependencies"]}
    assert core.isdisjoint({"jupyterlab", "papermill", "nbval", "nbconvert", "ipykernel", "lifetimes"})
    lab = {Requirement(r).name.lower() for r in project["optional-dependencies"]["lab"]}
    assert {"jupyterlab", "papermill", "nbval", "nbconvert", "lifetimes"} <= lab


def test_the_lock_pins_every_requirement_of_pyproject():
    """requirements.lock (make lock) names an exact version of every package pyproject.toml asks for."""
    lock = (cl.paths.PROJECT_ROOT / "requirements.lock").read_text()
    pinned = {line.split("==")[0].strip().lower() for line in lock.splitlines() if "==" in line
              and not line.startswith((" ", "#"))}
    project = tomllib.loads((cl.paths.PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for group in project["optional-dependencies"].values() for r in group]
    names = {Requirement(r).name.lower().replace("_", "-") for r in requirements} - {project["name"]}
    assert names - pinned == set(), "in pyproject.toml but not pinned in requirements.lock: run `make lock`"
