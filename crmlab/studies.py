"""Run the lab's notebooks with Papermill and keep every run as a report.

``python -m crmlab.studies`` (what ``make run`` calls) executes every numbered
notebook of ``notebooks/`` in order on the bundled data, writing the executed
notebooks and their HTML renderings to ``reports/course/<timestamp>/``. A run
is written to a temporary folder and renamed only when every notebook has
succeeded, so a folder without the ``-failed`` suffix is always complete.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import datetime
from pathlib import Path

from . import paths

__all__ = ["course_notebooks", "run_notebooks"]


def course_notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """The numbered notebooks ``NN_name.ipynb`` of ``folder``, in order."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def run_notebooks(notebooks: list[Path], output_dir: Path, parameters: dict | None = None,
                  progress: bool = True) -> list[Path]:
    """Execute ``notebooks`` in order with Papermill and render each to HTML.

    Each notebook runs with its working directory set to ``notebooks/`` and the
    given ``parameters`` (names a notebook does not declare are ignored by it).
    Returns the executed notebooks. On failure the partial outputs are kept in
    ``<output_dir>-failed`` and the Papermill error is raised, naming the cell.
    """
    import papermill
    from nbconvert import HTMLExporter
    from tqdm.auto import tqdm

    output_dir = Path(output_dir)
    staging = output_dir.with_name(output_dir.name + ".partial")
    staging.mkdir(parents=True, exist_ok=False)
    exporter = HTMLExporter()
    executed = []
    try:
        for notebook in tqdm(notebooks, desc="notebooks", unit="nb", disable=not progress):
            target = staging / notebook.name
            papermill.execute_notebook(str(notebook), str(target), parameters=parameters or {},
                                       cwd=str(notebook.parent), progress_bar=False, kernel_name="python3")
            html, _ = exporter.from_filename(str(target))
            target.with_suffix(".html").write_text(html, encoding="utf-8")
            executed.append(output_dir / notebook.name)
    except BaseException:
        staging.rename(output_dir.with_name(output_dir.name + "-failed"))
        raise
    staging.rename(output_dir)
    return executed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crmlab.studies",
                                     description="Execute every notebook of notebooks/ into reports/ (+ HTML).")
    parser.add_argument("--output", type=Path, default=None,
                        help="output folder (default: reports/course/<timestamp>)")
    args = parser.parse_args(argv)
    output = args.output or paths.REPORTS / "course" / datetime.now().strftime("%Y%m%d-%H%M%S")
    notebooks = course_notebooks()
    if not notebooks:
        print(f"no notebooks found in {paths.NOTEBOOKS}", file=sys.stderr)
        return 1
    run_notebooks(notebooks, output)
    latest = output.parent / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink() if latest.is_symlink() else shutil.rmtree(latest)
    latest.symlink_to(output.name)
    print(f"executed {len(notebooks)} notebooks into {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
