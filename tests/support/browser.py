"""Opening explorer pages in a real headless Chromium, for the browser tests.

Playwright drives Debian's Chromium (``make chromium`` installs it); Playwright's own browser
download is never used. A missing browser fails the tests instead of skipping them.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from autograd.draw import Explorer

ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        pytest.fail("Chromium is missing: `make chromium` installs it (Debian package chromium)")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=ARGS)
        yield launched
        launched.close()


class Pages:
    """Saves explorer pages in a folder and opens them, each in a fresh tab; every script
    error on a page fails the test that opened it."""

    def __init__(self, browser: Browser, folder: Path):
        self.browser = browser
        self.folder = folder
        self.numbers = itertools.count()
        self.opened: list[tuple[Page, list[str]]] = []

    def open(self, explorer: Explorer | str, fragment: str = "", **context: Any) -> Page:
        """Open the page (at ``fragment``, "#..." or ""), in a browser context made with
        ``context`` (Playwright's options: viewport, java_script_enabled...)."""
        path = self.folder / f"page{next(self.numbers)}.html"
        if isinstance(explorer, str):
            path.write_text(explorer, encoding="utf-8")
        else:
            explorer.save(path)
        page = self.browser.new_context(**context).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(path.as_uri() + fragment)
        self.opened.append((page, errors))
        return page

    def close(self) -> None:
        for page, errors in self.opened:
            page.context.close()
            assert errors == [], f"script errors on the page: {errors}"
        self.opened.clear()


def screenshot(path: Path) -> None:
    """The README's picture of the explorer: the neuron, halfway through backprop, the chain
    rule explained at w1. ``python tests/support/browser.py docs/explorer.png`` remakes it."""
    from autograd import explore
    from support.graphs import neuron

    o = neuron()
    page_file = path.with_suffix(".html")
    explore(o, show_local=True, title="o = tanh(x1·w1 + x2·w2 + b)").save(page_file)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=ARGS)
        page = launched.new_page(viewport={"width": 1400, "height": 640})
        page.goto(page_file.resolve().as_uri())
        page.evaluate("window.chainrule.step(8)")
        page.click("#v1")
        page.screenshot(path=str(path), full_page=True)
        launched.close()
    page_file.unlink()


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # for benchmarks/
    screenshot(Path(sys.argv[1]))
