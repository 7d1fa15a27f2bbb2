"""Open viewer pages in headless Chromium, offline: for screenshots, tests and benchmarks.

Uses Playwright's Python API with the system's Chromium (``/usr/bin/chromium`` or
``$KG_CHROMIUM``). Every request other than the page's own file is aborted and
recorded, so a page that tries to reach the network is caught, not served.

>>> from kg.viz.browser import chromium_path
>>> chromium_path() is None or chromium_path().name.startswith("chrom")
True
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from kg.files import atomic_write

__all__ = ["chromium_path", "launch", "open_page", "screenshot"]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> Path | None:
    """The Chromium to drive: ``$KG_CHROMIUM``, ``/usr/bin/chromium``, or one on PATH."""
    for candidate in (os.environ.get("KG_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@contextmanager
def launch():
    """Yield a Playwright ``Browser`` running headless Chromium; closed on exit."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError("no Chromium found: install it (apt-get install chromium) or set KG_CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class OfflinePage:
    """A page that may load only ``url``: ``blocked`` lists every other request, and
    ``dialogs`` and ``errors`` what the page raised (alerts, script errors)."""

    def __init__(self, page, url: str):
        self.page, self.url = page, url
        self.blocked: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._route)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))

    def _route(self, route):
        if route.request.url == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until the viewer has drawn the graph and it stands still."""
        self.page.wait_for_function("() => window.kgReady === true", timeout=timeout * 1000)


def open_page(browser, html_path, *, width: int = 1400, height: int = 900) -> OfflinePage:
    """Open ``html_path`` in a new page of ``browser`` with every other request blocked;
    returns the :class:`OfflinePage` once navigation has been started (not waited for)."""
    url = Path(html_path).resolve().as_uri()
    page = browser.new_page(viewport={"width": width, "height": height})
    offline = OfflinePage(page, url)
    page.goto(url, wait_until="commit")
    return offline


def screenshot(
    html_path: str | os.PathLike,
    png_path: str | os.PathLike,
    *,
    width: int = 1400,
    height: int = 900,
    select: str | None = None,
    timeout: float = 120.0,
    browser=None,
) -> Path:
    """Draw the viewer page ``html_path`` in headless Chromium and save a PNG of it.

    ``select`` names a node (in either script) to select, so the picture shows its
    details panel. Waits for the graph to be drawn and still; raises ``RuntimeError``
    if the page tried to reach the network, raised a script error, or has no node
    named ``select``. Written atomically. ``browser`` is a running Playwright
    browser to use (one is launched if omitted).
    """
    png_path = Path(png_path)
    if browser is None:
        with launch() as browser:
            return screenshot(
                html_path, png_path, width=width, height=height, select=select, timeout=timeout, browser=browser
            )
    offline = open_page(browser, html_path, width=width, height=height)
    try:
        offline.wait_ready(timeout)
        if select is not None:
            found = offline.page.evaluate("(name) => kgView.search(name, 1)", select)
            if not found:
                raise RuntimeError(f"{html_path}: no node named {select!r}")
            offline.page.evaluate("(i) => kgView.selectNode(i)", found[0])
        if offline.blocked or offline.errors:
            raise RuntimeError(f"{html_path}: blocked requests {offline.blocked}, errors {offline.errors}")
        image = offline.page.screenshot(type="png")
    finally:
        offline.page.close()
    atomic_write(png_path, image)
    return png_path
