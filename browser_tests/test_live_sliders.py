"""The live sliders in JupyterLab, as a reader uses them (headless Chromium, Playwright).

For every chapter with an ``ipywidgets`` slider: start JupyterLab on a free port without a
token, open the chapter, run every cell up to its last slider from the Run menu (select the cell
after it, *Run All Above Selected Cell*: the cells after the sliders are exercises, which the
chapters' own execution tests run), move each slider with the keyboard, and check that its figure
is redrawn and that no cell shows an error. The
chapters run in a copy of ``notebooks/`` (with ``data/`` and ``weights/`` linked beside
it), so JupyterLab's autosave never writes outputs into the repository.

Run with ``make browser-test`` (after ``make book``, which makes the data).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SHOTS = ROOT / "_build" / "screenshots"
RUN_TIMEOUT_MS = 300_000


def last_slider_cell(chapter: str) -> int:
    """The index (among all cells) of the chapter's last cell that draws a live slider."""
    cells = json.loads((ROOT / "notebooks" / chapter).read_text())["cells"]
    return max(i for i, c in enumerate(cells)
               if c["cell_type"] == "code" and "widgets.interact" in "".join(c["source"]))


def slider_chapters() -> list[str]:
    """The chapters whose code creates a live ipywidgets slider."""
    found = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        if any("widgets.interact" in "".join(c["source"]) for c in cells if c["cell_type"] == "code"):
            found.append(path.name)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name in ("data", "weights"):
        (root / name).symlink_to(ROOT / name)
    # render every cell (no windowing), so that the test sees every cell's prompt and output
    settings = root / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port = free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".jupyter"), JUPYTER_RUNTIME_DIR=str(root / ".runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(root / ".jupyter" / "lab" / "user-settings"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
         "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("JupyterLab exited at start")
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("JupyterLab did not start within a minute")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def interact_image(widget):
    """The src of the figure drawn by an interact widget (its output area's image)."""
    img = widget.locator("img")
    return img.first.get_attribute("src") if img.count() else None


@pytest.mark.parametrize("chapter", slider_chapters())
def test_live_slider_redraws(lab, browser, chapter):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(lab)
               else route.continue_())
    # a workspace of its own, reset: JupyterLab must not restore the tabs of an earlier test
    workspace = chapter.replace(".ipynb", "")
    page.goto(f"{lab}/lab/workspaces/{workspace}/tree/notebooks/{chapter}?reset", wait_until="domcontentloaded")
    page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
    # wait until the kernel has started: the status bar reads "Python 3 (ipykernel) | Idle"
    page.wait_for_function("() => /\\|\\s*Idle/.test(document.querySelector('#jp-main-statusbar')?.innerText || '')",
                           timeout=120_000)
    last = last_slider_cell(chapter)
    cells = page.locator(".jp-Notebook .jp-Cell")
    if last + 1 < cells.count():
        cells.nth(last + 1).locator(".jp-InputPrompt").first.click()   # select the cell after the last slider
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Above Selected Cell", exact=True).click()
    else:
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # every code cell up to the last slider has run when none shows "[*]" and the slider's cell has an
    # execution count
    page.wait_for_function(
        """(last) => {
            const cells = Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell')).slice(0, last + 1);
            const prompts = cells.filter(c => c.classList.contains('jp-CodeCell'))
                .map(c => c.querySelector('.jp-InputPrompt'));
            return prompts.length > 0 && prompts.every(p => p && !p.textContent.includes('*'))
                && /\\[\\d+\\]/.test(prompts[prompts.length - 1].textContent);
        }""", arg=last, timeout=RUN_TIMEOUT_MS)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] "
                          ":text('Traceback'), .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")
    assert errors.count() == 0, f"{chapter}: {errors.count()} error outputs after Run All"

    widgets = page.locator(".widget-interact")
    assert widgets.count() >= 1, f"{chapter}: no live slider was drawn"
    for k in range(widgets.count()):
        widget = widgets.nth(k)
        widget.scroll_into_view_if_needed()
        widget.locator("img").first.wait_for(timeout=60_000)
        before = interact_image(widget)
        label = widget.locator(".widget-readout").first.inner_text()
        handle = widget.locator(".noUi-handle").first
        handle.focus()
        for _ in range(3):
            handle.press("ArrowRight")
        page.wait_for_function(
            "([el, old]) => { const i = el.querySelector('img'); return i && i.src !== old; }",
            arg=[widget.element_handle(), before], timeout=60_000)
        after = interact_image(widget)
        for _ in range(60):  # each key press may redraw: wait until the figure settles
            page.wait_for_timeout(1500)
            settled, after = after == interact_image(widget), interact_image(widget)
            if settled:
                break
        moved = widget.locator(".widget-readout").first.inner_text()
        assert after != before and moved != label, f"{chapter}: slider {k} did not redraw its figure"
        SHOTS.mkdir(parents=True, exist_ok=True)
        widget.screenshot(path=str(SHOTS / f"live_{chapter.replace('.ipynb', '')}_{k}.png"))
    assert errors.count() == 0, f"{chapter}: error outputs after moving the slider"
    page.close()
