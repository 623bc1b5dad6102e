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
    wanted = {_normalise(r) for r in project["dependencies"] + [r for group in extras.values() for r in group]}
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
