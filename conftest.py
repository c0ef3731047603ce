"""Shared pytest set-up.

* Print how long each notebook (and each test file) took.
* ``--execute-notebooks CACHE``: collect every ``.ipynb`` under the given paths as one test that
  executes it with the executor the book build uses (jupyter-cache's ``single_nb_execution``,
  no errors allowed) and, when it passes, stores the executed notebook in the book's cache
  ``CACHE`` (``_build/.jupyter_cache``). ``make book`` then renders the chapters from that cache
  instead of executing them a second time. A failing cell fails the test with its traceback; a
  failed notebook is never cached. With ``MRILAB_SEED`` set (the seed runs) nothing is cached:
  the book shows the default draw.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import pytest

os.environ.setdefault("TQDM_DISABLE", "1")


def _poll_kernel_channels_in_steps(step: float = 1.0) -> None:
    """Make every wait of an asynchronous kernel channel a series of polls of at most ``step`` seconds.

    nbclient waits for a cell's ``execute_reply`` with one poll of the shell socket for the whole cell
    timeout. Now and then that wait is not woken although the reply has arrived (jupyter/nbclient#312):
    the kernel sits idle, the executor waits until the timeout (600 s here) and the notebook fails.
    Seen in this book on chapter 31, at the live slider after a cell that ran PyTorch, in a few runs. A
    fresh poll checks the socket before it waits (pyzmq's asyncio poller), so polling in steps picks
    up a reply that was missed within ``step`` seconds; the overall timeout is kept.
    """
    from queue import Empty
    from time import monotonic

    from jupyter_client.channels import AsyncZMQSocketChannel

    if getattr(AsyncZMQSocketChannel.get_msg, "_in_steps", False):
        return
    get_msg = AsyncZMQSocketChannel.get_msg

    async def get_msg_in_steps(self, timeout=None):
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - monotonic())
            try:
                return await get_msg(self, timeout=step if left is None else min(step, left))
            except Empty:
                if left is not None and left <= step:
                    raise

    get_msg_in_steps._in_steps = True
    AsyncZMQSocketChannel.get_msg = get_msg_in_steps


_poll_kernel_channels_in_steps()

_durations: dict[str, float] = defaultdict(float)


def pytest_addoption(parser):
    parser.addoption(
        "--execute-notebooks", metavar="CACHE", default=None,
        help="execute each notebook once as a test and cache the executed notebook in CACHE "
             "(the book's jupyter-cache directory)")


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".ipynb" and parent.config.getoption("--execute-notebooks"):
        if ".ipynb_checkpoints" not in file_path.parts:
            return NotebookFile.from_parent(parent, path=file_path)
    return None


class NotebookFile(pytest.File):
    def collect(self):
        yield NotebookExecution.from_parent(self, name="execute")


class NotebookFailed(Exception):
    pass


class NotebookExecution(pytest.Item):
    """Execute one notebook as the book build would; cache it for the build when it passes."""

    def runtest(self):
        import nbformat
        from jupyter_cache import get_cache
        from jupyter_cache.base import CacheBundleIn
        from jupyter_cache.executors.utils import single_nb_execution

        path = Path(self.path).resolve()
        notebook = nbformat.read(path, as_version=4)
        result = single_nb_execution(notebook, cwd=str(path.parent), timeout=600,
                                     allow_errors=False, meta_override=True)
        if result.err is not None:
            raise NotebookFailed(str(result.err))
        self.user_properties.append(("execution_seconds", result.time))
        if os.environ.get("MRILAB_SEED", "") in ("", "0"):
            cache = get_cache(self.config.getoption("--execute-notebooks"))
            cache.cache_notebook_bundle(
                CacheBundleIn(notebook, str(path), data={"execution_seconds": result.time}),
                check_validity=False, overwrite=True)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, NotebookFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}: executed as the book executes it"


def pytest_runtest_logreport(report):
    _durations[report.nodeid.split("::")[0]] += report.duration


def pytest_terminal_summary(terminalreporter):
    notebooks = {k: v for k, v in _durations.items() if k.endswith(".ipynb")}
    tests = {k: v for k, v in _durations.items() if not k.endswith(".ipynb")}
    tr = terminalreporter
    if notebooks:
        tr.section("time per notebook")
        for name, sec in sorted(notebooks.items()):
            tr.write_line(f"{sec:8.1f} s  {name}")
        tr.write_line(f"{sum(notebooks.values()):8.1f} s  all notebooks")
    if tests:
        tr.write_line(f"{sum(tests.values()):8.1f} s  unit tests ({len(tests)} files)")
