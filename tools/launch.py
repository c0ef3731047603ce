"""Keep the book's launch links in step with where the repository lives.

``_config.yml`` is the one place that says where the book's repository is published
(``repository.url``, ``repository.branch``) and which JupyterHub its button opens
(``launch_buttons.jupyterhub_url``). Jupyter Book builds the Binder, Colab and JupyterHub
buttons of every chapter from it. Three things outside the book build need the same
address, and this script writes them from ``_config.yml``:

* the first cell of every chapter and assignment, which installs mrilab where it is
  missing (Colab, a JupyterHub without it); tagged ``remove-cell`` (not shown in the
  HTML), ``skip-execution`` (the book build and autograding skip it) and ``nbval-skip``;
* the launch badges in ``README.md`` (between ``<!-- launch-badges -->`` markers);
* ``[project.urls]`` in ``pyproject.toml``.

Usage (from the repository root)::

    python tools/launch.py                       # rewrite the three from _config.yml
    python tools/launch.py --repository https://github.com/you/your-fork --branch main \\
                           --jupyterhub https://hub.your-university.edu
    python tools/launch.py --check               # exit 1 and list what is out of step

A course that forks the book runs the second line once and commits the result;
``tests/test_launch.py`` runs ``--check`` so the addresses cannot drift apart.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_GLOBS = ("notebooks/*.ipynb", "assignments/source/*.ipynb")
SETUP_ID = "launch-setup"
SETUP_TAGS = ["remove-cell", "skip-execution", "nbval-skip"]
BADGES_BEGIN, BADGES_END = "<!-- launch-badges -->", "<!-- /launch-badges -->"

SETUP_TEMPLATE = '''\
# Set-up for Colab and JupyterHub: install mrilab where it is missing (does nothing elsewhere).
# Written by tools/launch.py from _config.yml; the book build and the tests skip this cell.
import importlib.util, os, subprocess, sys
from pathlib import Path

REPOSITORY, BRANCH, FOLDER = "{repository}", "{branch}", "{folder}"
if importlib.util.find_spec("mrilab") is None:
    root = (Path.cwd() / "{up}").resolve()  # the checkout this notebook sits in (JupyterHub, Binder)
    if not (root / "mrilab" / "__init__.py").is_file():
        root = Path.home() / "mrilab"  # Colab opened the notebook alone: clone the repository
        if not root.is_dir():
            subprocess.run(["git", "clone", "--depth", "1", "--branch", BRANCH, REPOSITORY, str(root)],
                           check=True)
        os.chdir(root / FOLDER)  # the chapters find ../data and ../weights from here
    # where torch is missing, take its CPU build (the default one is several GB of CUDA)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--extra-index-url",
                    "https://download.pytorch.org/whl/cpu", "-e", str(root), "ipywidgets"], check=True)
    sys.path.insert(0, str(root))
    print(f"mrilab installed from {{root}}")
'''


def _fail(message: str) -> None:
    raise SystemExit(f"tools/launch.py: {message}")


def read_settings(config_text: str) -> dict:
    """The repository URL, branch and JupyterHub URL from the text of ``_config.yml``."""
    import yaml

    config = yaml.safe_load(config_text) or {}
    repo = config.get("repository") or {}
    buttons = config.get("launch_buttons") or {}
    settings = {"repository": repo.get("url", ""), "branch": repo.get("branch", ""),
                "jupyterhub": buttons.get("jupyterhub_url", "")}
    for key, value in settings.items():
        if not value:
            _fail(f"_config.yml has no {key} setting; set it with --{key}")
    validate(**settings)
    return settings


def validate(repository: str, branch: str, jupyterhub: str) -> None:
    """Raise SystemExit naming the bad value, unless the three settings are usable."""
    parts = urlparse(repository)
    path = parts.path.strip("/").removesuffix(".git").split("/")
    if parts.scheme != "https" or parts.netloc != "github.com" or len(path) != 2 or not all(path):
        _fail(f"repository={repository!r} is not a GitHub repository; Binder and Colab buttons need "
              "https://github.com/OWNER/NAME")
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", branch):
        _fail(f"branch={branch!r} is not a branch name; pass e.g. --branch main")
    hub = urlparse(jupyterhub)
    if hub.scheme not in ("http", "https") or not hub.netloc:
        _fail(f"jupyterhub={jupyterhub!r} is not a URL; pass e.g. --jupyterhub https://hub.example.edu")


def set_settings(config_text: str, repository: str, branch: str, jupyterhub: str) -> str:
    """``_config.yml``'s text with the three settings replaced (comments and layout kept)."""
    validate(repository, branch, jupyterhub)
    out = config_text
    for key, section, value in (("url", "repository", repository), ("branch", "repository", branch),
                                ("jupyterhub_url", "launch_buttons", jupyterhub)):
        pattern = rf"(^{section}:\n(?:[ \t]+.*\n|\n)*?[ \t]+{key}:[ \t]*)(\S+)"
        out, n = re.subn(pattern, lambda m: m.group(1) + value, out, count=1, flags=re.M)
        if n != 1:
            _fail(f"_config.yml has no '{section}: {key}:' line to set; add it")
    return out


def setup_source(notebook: Path, repository: str, branch: str) -> str:
    """The set-up cell for ``notebook`` (a path relative to the repository root)."""
    folder = notebook.parent.as_posix()
    up = "/".join([".."] * len(notebook.parent.parts))
    return SETUP_TEMPLATE.format(repository=repository, branch=branch, folder=folder, up=up)


def setup_cell(notebook: Path, repository: str, branch: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": SETUP_ID,
            "metadata": {"tags": list(SETUP_TAGS)}, "outputs": [],
            "source": setup_source(notebook, repository, branch).splitlines(keepends=True)}


def with_setup_cell(nb: dict, notebook: Path, repository: str, branch: str) -> dict:
    """The notebook with its set-up cell written (or replaced) as its first code cell."""
    cells = [c for c in nb["cells"] if c.get("id") != SETUP_ID]
    # after the title cell, so the chapter still opens with its heading
    at = 1 if cells and cells[0]["cell_type"] == "markdown" else 0
    cells.insert(at, setup_cell(notebook, repository, branch))
    return {**nb, "cells": cells}


def binder_url(repository: str, branch: str, path: str = "notebooks") -> str:
    owner, name = urlparse(repository).path.strip("/").removesuffix(".git").split("/")
    return f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}?urlpath=lab/tree/{path}"


def colab_url(repository: str, branch: str, path: str = "notebooks/01_kspace.ipynb") -> str:
    owner, name = urlparse(repository).path.strip("/").removesuffix(".git").split("/")
    return f"https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/{path}"


def badges(repository: str, branch: str) -> str:
    return (f"{BADGES_BEGIN}\n"
            f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(repository, branch)})\n"
            f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({colab_url(repository, branch)})\n"
            f"{BADGES_END}")


def with_badges(readme: str, repository: str, branch: str) -> str:
    pattern = re.escape(BADGES_BEGIN) + r".*?" + re.escape(BADGES_END)
    if not re.search(pattern, readme, flags=re.S):
        _fail(f"README.md has no {BADGES_BEGIN} ... {BADGES_END} block; add the two markers")
    return re.sub(pattern, lambda m: badges(repository, branch), readme, count=1, flags=re.S)


def with_urls(pyproject: str, repository: str) -> str:
    block = (f'[project.urls]\nRepository = "{repository}"\n'
             f'Issues = "{repository.rstrip("/")}/issues"\n')
    if "[project.urls]" in pyproject:
        return re.sub(r"\[project\.urls\]\n(?:[^\[\n].*\n)*", lambda m: block, pyproject, count=1)
    return pyproject.replace("\n[project.optional-dependencies]", f"\n{block}\n[project.optional-dependencies]", 1)


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted(p.relative_to(root) for g in NOTEBOOK_GLOBS for p in root.glob(g))


def _dump(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def planned(root: Path = ROOT, **override) -> dict[Path, str]:
    """Every file this script writes, with the text it should hold."""
    config_path = root / "_config.yml"
    config = config_path.read_text()
    if override:
        config = set_settings(config, **override)
    s = read_settings(config)
    out = {config_path: config}
    for rel in notebooks(root):
        nb = json.loads((root / rel).read_text())
        out[root / rel] = _dump(with_setup_cell(nb, rel, s["repository"], s["branch"]))
    out[root / "README.md"] = with_badges((root / "README.md").read_text(), s["repository"], s["branch"])
    out[root / "pyproject.toml"] = with_urls((root / "pyproject.toml").read_text(), s["repository"])
    return out


def stale(root: Path = ROOT) -> list[Path]:
    """The files whose launch links are out of step with ``_config.yml``."""
    return [p.relative_to(root) for p, text in planned(root).items() if p.read_text() != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repository", help="https://github.com/OWNER/NAME where the book is published")
    parser.add_argument("--branch", help="the branch the launch buttons open (e.g. main)")
    parser.add_argument("--jupyterhub", help="the JupyterHub the JupyterHub button opens")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is stale")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    given = {k: getattr(args, k) for k in ("repository", "branch", "jupyterhub") if getattr(args, k)}
    if args.check:
        if given:
            parser.error("--check takes no settings; it compares the files with _config.yml")
        bad = stale(args.root)
        for p in bad:
            print(f"out of step with _config.yml: {p}")
        if bad:
            print("run `python tools/launch.py` to rewrite them")
        return 1 if bad else 0
    if given:
        current = read_settings((args.root / "_config.yml").read_text())
        given = {**current, **given}
    sys.path.insert(0, str(ROOT))  # mrilab from this checkout, installed or not
    from mrilab._io import atomic_path

    written = 0
    for path, text in planned(args.root, **given).items():
        if path.read_text() != text:
            with atomic_path(path) as tmp:
                Path(tmp).write_text(text)
            written += 1
            print(f"wrote {path.relative_to(args.root)}")
    print(f"{written} file(s) changed" if written else "launch links already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
