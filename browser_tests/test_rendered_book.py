"""The rendered book in a real browser (headless Chromium driven by Playwright).

Run after ``make book`` with ``make browser-test``. For every page in ``_toc.yml``:
no cell output holds a traceback or an error, every image has loaded, every figure has
alt text, every equation is typeset by MathJax served from the build (the browser reaches
nothing else, as a reader offline), no code (cells and solutions) is wider than the page,
and every static
slider companion (a ``FuncAnimation.to_jshtml`` player) shows another frame when its
slider is moved. Every chapter has Binder, Colab and JupyterHub launch buttons that open
that chapter's notebook in the repository named in ``_config.yml``, and the JupyterHub
button asks for the reader's hub. A full-page screenshot of each page is saved in
``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from tools import launch  # the repository root is on sys.path (conftest.py lives there)

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [chapter["file"] for chapter in part.get("chapters", [])]
    return pages


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").is_file():
        pytest.fail("no rendered book in _build/html: run `make book` first")
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output readable
            pass

    handler = functools.partial(Quiet, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


SUMMARY = {"pages": 0, "images": 0, "players": 0, "launch": 0, "equations": 0}
SETTINGS = launch.read_settings((ROOT / "_config.yml").read_text())
HUB_MARK = "/hub/user-redirect/git-pull"


def check_launch_buttons(page, page_file: str) -> None:
    """Binder and Colab open this chapter's notebook in the repository of _config.yml, as
    tools/launch.py's badges do; the JupyterHub button pulls the same repository and branch."""
    hrefs = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.href)")
    repo, branch, notebook = SETTINGS["repository"], SETTINGS["branch"], f"{page_file}.ipynb"
    for kind, url in (("Binder", launch.binder_url(repo, branch, notebook)),
                      ("Colab", launch.colab_url(repo, branch, notebook))):
        assert url in hrefs, f"{page_file}: no {kind} button to {url}"
    hub = [h for h in hrefs if HUB_MARK in h]
    assert len(hub) == 1, f"{page_file}: {len(hub)} JupyterHub buttons"
    query = parse_qs(urlparse(hub[0]).query)
    assert query["repo"] == [repo] and query["branch"] == [branch]
    assert query["urlpath"][0].endswith(f"/{notebook}"), query


@pytest.mark.parametrize("page_file", toc_pages())
def test_page(server, browser, page_file):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # only the book's own server: whatever the page needs (MathJax included) must come from the build
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(server)
               else route.continue_())
    page.goto(f"{server}/{page_file}.html", wait_until="load")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(200)

    n_math = page.locator(".math").count()
    if n_math:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=20_000)
        page.evaluate("() => MathJax.startup.promise")
        typeset = page.locator(".math mjx-container").count()
        assert typeset == n_math, f"{page_file}: {typeset} of {n_math} equations typeset by MathJax"
        text = page.locator("article").inner_text()
        assert "\\(" not in text and "\\[" not in text, f"{page_file}: raw TeX left on the page"
        SUMMARY["equations"] += n_math

    wide = page.evaluate("Array.from(document.querySelectorAll('div.highlight pre'))"
                         ".filter(p => !p.closest('.cell_output'))"
                         ".filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.innerText.split('\\n')"
                         ".reduce((a, b) => a.length > b.length ? a : b).slice(0, 90))")
    assert wide == [], f"{page_file}: code wider than the page: {wide}"

    errors = page.locator(".cell_output .traceback, .cell_output .output.error, .cell_output .stderr")
    assert errors.count() == 0, f"{page_file}: {errors.count()} error outputs"
    assert "Traceback (most recent call last)" not in page.content()

    broken = page.evaluate("Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
                           ".map(i => i.src.slice(0, 80))")
    assert broken == [], f"{page_file}: images that did not load: {broken}"
    n_images = page.evaluate("document.images.length")
    no_alt = page.evaluate("Array.from(document.querySelectorAll('.cell_output img')).filter(i => !i.alt.trim()).length")
    assert no_alt == 0, f"{page_file}: {no_alt} figures without alt text"

    players = page.locator("div.animation")
    for k in range(players.count()):
        player = players.nth(k)
        image = player.locator("img").first
        slider = player.locator("input[type=range]").first
        before = image.get_attribute("src")
        last = int(slider.get_attribute("max"))
        slider.evaluate(f"(s) => {{ s.value = {last}; s.dispatchEvent(new Event('input')); }}")
        page.wait_for_timeout(100)
        after = image.get_attribute("src")
        assert after and after != before, f"{page_file}: slider companion {k} did not change its frame"
    if page_file.startswith("notebooks/"):
        check_launch_buttons(page, page_file)
        SUMMARY["launch"] += 1
    SUMMARY["pages"] += 1
    SUMMARY["images"] += n_images
    SUMMARY["players"] += players.count()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / (page_file.replace("/", "_") + ".png")), full_page=True)
    page.close()


def test_jupyterhub_button_asks_for_the_readers_hub(server, browser):
    page = browser.new_page()
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(server)
               else route.continue_())
    page.goto(f"{server}/notebooks/05_tv_denoising.html", wait_until="load")
    page.evaluate("window.open = (url) => { window.__opened = url; }")  # stay offline
    link = page.locator(f'a[href*="{HUB_MARK}"]').first
    configured = link.get_attribute("href")
    answers = iter(["hub.my-course.edu/hub/login", ""])
    prompts = []

    def answer(dialog):
        prompts.append(dialog.default_value)
        dialog.accept(next(answers))

    page.on("dialog", answer)
    link.evaluate("a => a.click()")
    assert prompts[0] == "", "a placeholder hub in _config.yml must not be suggested"
    opened = page.evaluate("window.__opened")
    assert opened == "https://hub.my-course.edu" + configured[configured.index(HUB_MARK):]
    # the next press suggests the hub just used; an empty answer opens nothing
    page.evaluate("window.__opened = null")
    link.evaluate("a => a.click()")
    assert prompts[1] == "https://hub.my-course.edu"
    assert page.evaluate("window.__opened") is None
    page.close()


def test_summary():
    print(f"\nbrowser test: {SUMMARY['pages']} pages, {SUMMARY['images']} images loaded, "
          f"{SUMMARY['players']} slider companions moved, {SUMMARY['equations']} equations typeset, "
          f"launch buttons on {SUMMARY['launch']} chapters; "
          f"screenshots in {SHOTS}")
    assert SUMMARY["pages"] == len(toc_pages())
