"""The chapters' test (conftest.py, ``--execute-notebooks``): a failing cell fails it and leaves
the cache alone; a passing notebook is cached so that the book build finds it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
jupyter_cache = pytest.importorskip("jupyter_cache")


def _notebook(path: Path, claim: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), nbformat.v4.new_code_cell("x = 1 + 1"),
                nbformat.v4.new_code_cell(claim)]
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _run(notebook: Path, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MRILAB_SEED", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "conftest",
                           str(notebook), "--execute-notebooks", str(cache)],
                          cwd=notebook.parent, env=env, capture_output=True, text=True, timeout=300)


def test_a_false_claim_fails_and_is_not_cached(tmp_path):
    run = _run(_notebook(tmp_path / "t.ipynb", "assert x == 3, 'the claim is false'"), tmp_path / "cache")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "the claim is false" in run.stdout and "assert x == 3" in run.stdout
    assert not (tmp_path / "cache").exists() or not jupyter_cache.get_cache(tmp_path / "cache").list_cache_records()


def test_a_passing_notebook_is_cached_with_its_outputs(tmp_path):
    notebook = _notebook(tmp_path / "t.ipynb", "assert x == 2\nprint('x is', x)")
    run = _run(notebook, tmp_path / "cache")
    assert run.returncode == 0, run.stdout + run.stderr
    cache = jupyter_cache.get_cache(tmp_path / "cache")
    # the book build looks the notebook up by its code; a match carries the outputs
    record = cache.match_cache_notebook(nbformat.read(notebook, as_version=4))
    _, executed = cache.merge_match_into_notebook(nbformat.read(notebook, as_version=4))
    assert record is not None
    assert executed.cells[2].outputs[0]["text"] == "x is 2\n"
