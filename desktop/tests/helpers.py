"""Helpers for the desktop's browser tests."""

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from callcentre.tests.browser import shows, text_at
from callcentre.tests.helpers import wait_until

PASSWORD = "correct horse battery staple"  # UserFactory's
TIMEOUT = 20.0


def log_in_to_desktop(browser, base_url: str, username: str) -> None:
    """Log in on the login page the desktop sends to, and wait for the desktop to be live."""
    browser.get(base_url + "/desktop/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(lambda: shows(browser, "#connection", "Live"), timeout=TIMEOUT)


def choose_target(browser, label: str) -> None:
    """Pick `label` in the contact card's transfer picker (its options arrive from the
    targets API); says what the picker shows when it never offers it."""

    def picked() -> bool:
        try:
            select = Select(browser.find_element(By.CSS_SELECTOR, "#tasks select.transfer-target"))
            if label not in [option.text for option in select.options]:
                return False
            select.select_by_visible_text(label)
            return select.first_selected_option.text == label
        except StaleElementReferenceException:  # re-rendered meanwhile: find it again
            return False

    try:
        wait_until(picked, timeout=TIMEOUT)
    except AssertionError:
        shown = text_at(browser, "#tasks select.transfer-target")
        raise AssertionError(f"no {label!r} to pick; the picker shows {shown!r}") from None
