"""Reading and using a live page in browser tests without racing its re-renders."""

import os
import time
from pathlib import Path

READ_TEXT = """
return Array.from(document.querySelectorAll(arguments[0]), (node) => node.innerText).join(" ");
"""


def text_at(browser, css: str) -> str:
    """The text of every element matching `css`, read in one step in the page: a screen that
    re-renders between finding an element and reading it cannot make the read fail."""
    return browser.execute_script(READ_TEXT, css)


def shows(browser, css: str, text: str) -> bool:
    """Whether what matches `css` shows `text` now."""
    return text in text_at(browser, css)


READ_ATTRIBUTE = """
const node = document.querySelector(arguments[0]);
if (node === null) return null;
return arguments[1] === "value" ? node.value : node.getAttribute(arguments[1]);
"""


def attribute_at(browser, css: str, name: str) -> str | None:
    """The attribute `name` (a field's current `value`) of the first element matching `css`,
    read in one step in the page like `text_at`; None when nothing matches."""
    return browser.execute_script(READ_ATTRIBUTE, css, name)


def click(browser, css: str, *, attempts: int = 10) -> None:
    """Click what matches `css` now, finding it again when a re-render replaced it."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    for _ in range(attempts):
        try:
            browser.find_element(By.CSS_SELECTOR, css).click()
            return
        except StaleElementReferenceException:
            time.sleep(0.1)
    raise AssertionError(f"{css} kept being replaced")


def type_into(browser, css: str, text: str, *, attempts: int = 10) -> None:
    """Type `text` into the field matching `css`, again from the start when a re-render
    replaced the field meanwhile (Chromium then says stale, or not interactable)."""
    from selenium.common.exceptions import (
        ElementNotInteractableException,
        StaleElementReferenceException,
    )
    from selenium.webdriver.common.by import By

    for _ in range(attempts):
        try:
            field = browser.find_element(By.CSS_SELECTOR, css)
            field.clear()
            field.send_keys(text)
            if field.get_attribute("value") == text:
                return
        # A re-render (a pushed event: a message, a suggestion) replaced or detached it.
        except (StaleElementReferenceException, ElementNotInteractableException):
            time.sleep(0.1)
    raise AssertionError(f"could not type into {css}")


def artifacts_dir(name: str) -> Path:
    """Where browser tests keep their screenshots: TEST_ARTIFACTS_DIR (default
    var/test-artifacts) / name. CI keeps the directory as the run's artefacts."""
    directory = Path(os.environ.get("TEST_ARTIFACTS_DIR", "var/test-artifacts")) / name
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def screenshot(browser, directory: Path, name: str) -> Path:
    path = directory / f"{name}.png"
    browser.save_screenshot(str(path))
    return path
