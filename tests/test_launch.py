"""tools/launch.py: the launch links outside the book build agree with _config.yml, and the
set-up cell that Colab and JupyterHub readers run installs mrilab only where it is missing."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import launch  # the repository root is on sys.path (conftest.py lives there)

ROOT = launch.ROOT

FORK = dict(repository="https://github.com/a-university/mri-course", branch="spring-2027",
            jupyterhub="https://hub.a-university.edu")


def test_every_launch_link_agrees_with_config():
    assert launch.stale(ROOT) == [], "run `python tools/launch.py`"


@pytest.mark.parametrize("rel", launch.notebooks(ROOT), ids=str)
def test_notebook_names_its_kernel(rel):
    """Without a kernelspec JupyterLab asks the reader to pick a kernel and starts none."""
    metadata = json.loads((ROOT / rel).read_text())["metadata"]
    assert metadata.get("kernelspec", {}).get("name") == "python3", f"{rel}: add the python3 kernelspec"


@pytest.mark.parametrize("rel", launch.notebooks(ROOT), ids=str)
def test_set_up_cell_is_the_first_code_cell_and_is_skipped(rel):
    cells = json.loads((ROOT / rel).read_text())["cells"]
    first_code = next(c for c in cells if c["cell_type"] == "code")
    assert first_code["id"] == launch.SETUP_ID
    assert set(first_code["metadata"]["tags"]) == {"remove-cell", "skip-execution", "nbval-skip"}
    assert [c["id"] for c in cells].count(launch.SETUP_ID) == 1


def _run_setup(monkeypatch, tmp_path, notebook_dir, *, installed):
    """Execute a set-up cell with the outside world recorded instead of touched."""
    calls, moved = [], []
    monkeypatch.chdir(notebook_dir)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if installed else None)
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.setattr("os.chdir", moved.append)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path / "home"))
    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(launch.setup_source(Path("notebooks/01_kspace.ipynb"), FORK["repository"], FORK["branch"]), {})
    return calls, moved


def test_set_up_cell_does_nothing_where_mrilab_is_installed(monkeypatch, tmp_path):
    assert _run_setup(monkeypatch, tmp_path, tmp_path, installed=True) == ([], [])


def test_set_up_cell_installs_the_checkout_it_sits_in(monkeypatch, tmp_path):
    # JupyterHub (nbgitpuller) and Binder: the repository is there, mrilab may not be installed
    checkout = tmp_path / "mri-course"
    (checkout / "mrilab").mkdir(parents=True)
    (checkout / "mrilab" / "__init__.py").write_text("")
    (checkout / "notebooks").mkdir()
    calls, moved = _run_setup(monkeypatch, tmp_path, checkout / "notebooks", installed=False)
    assert moved == [] and len(calls) == 1
    assert calls[0][-3:] == ["-e", str(checkout), "ipywidgets"]


def test_set_up_cell_clones_the_repository_in_colab(monkeypatch, tmp_path):
    content = tmp_path / "content"  # Colab: the notebook alone, no checkout around it
    content.mkdir()
    calls, moved = _run_setup(monkeypatch, tmp_path, content, installed=False)
    clone = tmp_path / "home" / "mrilab"
    assert calls[0] == ["git", "clone", "--depth", "1", "--branch", FORK["branch"], FORK["repository"], str(clone)]
    assert moved == [clone / "notebooks"]
    assert calls[1][-3:] == ["-e", str(clone), "ipywidgets"]


def test_set_up_cell_reaches_the_checkout_from_an_assignment(tmp_path):
    source = launch.setup_source(Path("assignments/source/a1.ipynb"), FORK["repository"], FORK["branch"])
    assert '(Path.cwd() / "../..")' in source and '"assignments/source"' in source


def test_a_fork_is_configured_by_one_command(tmp_path, capsys):
    for name in ("_config.yml", "README.md", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for rel in launch.notebooks(ROOT)[:2]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    assert launch.main(["--check", "--root", str(tmp_path)]) == 0

    # an address changed in _config.yml alone is caught ...
    config = tmp_path / "_config.yml"
    config.write_text(launch.set_settings(config.read_text(), **FORK))
    assert launch.main(["--check", "--root", str(tmp_path)]) == 1
    assert "README.md" in capsys.readouterr().out
    # ... and one command puts every file back in step
    assert launch.main(["--root", str(tmp_path), *[f"--{k}={v}" for k, v in FORK.items()]]) == 0
    assert launch.main(["--check", "--root", str(tmp_path)]) == 0
    assert launch.read_settings(config.read_text()) == FORK
    assert "mybinder.org/v2/gh/a-university/mri-course/spring-2027" in (tmp_path / "README.md").read_text()
    assert 'Repository = "https://github.com/a-university/mri-course"' in (tmp_path / "pyproject.toml").read_text()
    cell = json.loads((tmp_path / launch.notebooks(ROOT)[0]).read_text())["cells"][1]
    assert FORK["repository"] in "".join(cell["source"]) and FORK["branch"] in "".join(cell["source"])
    # the rest of _config.yml is untouched
    old, new = (ROOT / "_config.yml").read_text().splitlines(), config.read_text().splitlines()
    assert sum(a != b for a, b in zip(old, new)) == 3 and len(old) == len(new)


@pytest.mark.parametrize("key, value, words", [
    ("repository", "https://gitlab.com/a/b", "repository='https://gitlab.com/a/b'"),
    ("repository", "github.com/a/b", "https://github.com/OWNER/NAME"),
    ("branch", "main; rm -rf /", "branch="),
    ("jupyterhub", "hub.a-university.edu", "jupyterhub='hub.a-university.edu'"),
])
def test_bad_settings_are_refused_with_the_fix(key, value, words):
    with pytest.raises(SystemExit, match=words.replace("?", r"\?").replace(".", r"\.").replace("(", r"\(")):
        launch.validate(**{**FORK, key: value})
