"""Release and grade the assignment notebooks (the nbgrader conventions, offline).

The source notebooks in ``assignments/source/`` follow nbgrader's markup:

* a **solution cell** has ``metadata.nbgrader.solution = true``; the code between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` is the instructor's answer;
* a **test cell** has ``metadata.nbgrader.grade = true``, a ``grade_id`` and
  ``points``; its checks between ``### BEGIN HIDDEN TESTS`` and
  ``### END HIDDEN TESTS`` are hidden from students.

Two commands::

    python -m mrilab.grading release assignments/source/*.ipynb --out release/
    python -m mrilab.grading autograde submission.ipynb --source assignments/source/NAME.ipynb

``release`` writes the student edition: each solution region becomes
``# YOUR CODE HERE`` and ``raise NotImplementedError()``, hidden tests are removed,
outputs are cleared. ``autograde`` puts the source's test cells (hidden tests
included) back into a submission, executes it, and prints the points of every
question and the total: a question scores its points when its test cell runs
without an error.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ._io import atomic_path

__all__ = ["release_notebook", "release", "autograde", "GradeReport"]

_SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*(\n|$)",
                       re.S | re.M)
_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n.*?^[ \t]*### END HIDDEN TESTS[^\n]*(\n|$)",
                     re.S | re.M)


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _strip_solution(source: str) -> str:
    def stub(match: re.Match) -> str:
        indent = match.group(1)
        return f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError()\n"
    return _SOLUTION.sub(stub, source)


def release_notebook(nb):
    """The student edition of a source notebook (a new notebook; the input is unchanged)."""
    import copy

    out = copy.deepcopy(nb)
    for cell in out.cells:
        meta = _meta(cell)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if meta.get("solution"):
            cell.source = _strip_solution(cell.source)
        if meta.get("grade"):
            cell.source = _HIDDEN.sub("", cell.source).rstrip("\n")
    return out


def release(sources: list[str | os.PathLike], out_dir: str | os.PathLike) -> list[Path]:
    """Write the student edition of each source notebook into ``out_dir``."""
    import nbformat

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources:
        src = Path(src)
        nb = nbformat.read(src, as_version=4)
        if not any(_meta(c).get("grade") for c in nb.cells):
            raise ValueError(f"{src} has no graded test cells (metadata.nbgrader.grade); "
                             f"is it an assignment source notebook?")
        target = out_dir / src.name
        with atomic_path(target) as tmp:
            nbformat.write(release_notebook(nb), tmp)
        written.append(target)
    return written


@dataclass
class GradeReport:
    """Points per question (grade_id) of one graded submission."""

    points: dict[str, float] = field(default_factory=dict)
    max_points: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    #: Every code cell that raised, graded or not: ``"cell <index>: <error name>"``.
    cell_errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(self.points.values())

    @property
    def max_total(self) -> float:
        return sum(self.max_points.values())

    def __str__(self) -> str:
        lines = [f"{gid:28s} {self.points[gid]:5g} / {self.max_points[gid]:g}"
                 + (f"   ({self.errors[gid]})" if gid in self.errors else "") for gid in self.max_points]
        lines.append(f"{'total':28s} {self.total:5g} / {self.max_total:g}")
        return "\n".join(lines)


def autograde(submission: str | os.PathLike, source: str | os.PathLike, *, timeout: int = 600,
              cwd: str | os.PathLike | None = None) -> GradeReport:
    """Grade a submitted notebook against its source.

    Every test cell of the source (found by ``grade_id``) replaces the cell
    with the same ``grade_id`` in the submission, so hidden tests run and
    edited tests do not count; a test cell missing from the submission scores
    zero. The notebook is executed top to bottom with errors allowed, in
    ``cwd`` (the submission's folder by default).
    """
    import nbformat
    from nbclient import NotebookClient

    submission, source = Path(submission), Path(source)
    for path, what in ((submission, "submission"), (source, "source")):
        if not path.is_file():
            raise FileNotFoundError(f"no {what} notebook at {path}")
    sub = nbformat.read(submission, as_version=4)
    src = nbformat.read(source, as_version=4)
    tests = {_meta(c)["grade_id"]: c for c in src.cells if _meta(c).get("grade")}
    if not tests:
        raise ValueError(f"{source} has no graded test cells; pass the assignment's source notebook")
    restored = {}  # grade_id -> the submission's cell, now holding the source's tests
    for cell in sub.cells:
        gid = _meta(cell).get("grade_id")
        if gid in tests:
            cell.source = tests[gid].source
            cell.metadata["nbgrader"] = dict(_meta(tests[gid]))
            restored[gid] = cell
    client = NotebookClient(sub, timeout=timeout, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd or submission.parent)}})
    client.execute()  # runs the cells of `sub` in place
    report = GradeReport()
    report.cell_errors = [f"cell {i}: {o['ename']}" for i, c in enumerate(sub.cells) if c.cell_type == "code"
                          for o in c.get("outputs", []) if o.get("output_type") == "error"]
    for gid, test in tests.items():
        report.max_points[gid] = float(_meta(test).get("points", 0))
        cell = restored.get(gid)
        if cell is None:
            report.points[gid] = 0.0
            report.errors[gid] = "test cell missing from the submission"
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        report.points[gid] = 0.0 if errors else report.max_points[gid]
        if errors:
            report.errors[gid] = f"{errors[0]['ename']}: {errors[0]['evalue']}"[:120]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mrilab.grading",
                                     description="Release and autograde the assignment notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="write the student edition of source notebooks")
    rel.add_argument("sources", nargs="+")
    rel.add_argument("--out", required=True, help="folder for the student notebooks")
    grade = sub.add_parser("autograde", help="grade a submitted notebook")
    grade.add_argument("submission")
    grade.add_argument("--source", required=True, help="the assignment's source notebook")
    args = parser.parse_args(argv)
    try:
        if args.command == "release":
            for path in release(args.sources, args.out):
                print(f"wrote {path}")
        else:
            report = autograde(args.submission, args.source)
            print(report)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
