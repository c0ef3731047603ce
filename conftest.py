"""Shared pytest set-up: print how long each notebook (and each test file) took."""

from __future__ import annotations

import os
from collections import defaultdict

os.environ.setdefault("TQDM_DISABLE", "1")

_durations: dict[str, float] = defaultdict(float)


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
