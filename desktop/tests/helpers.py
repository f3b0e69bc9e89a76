"""Helpers for the desktop's browser tests."""

from selenium.webdriver.common.by import By

from callcentre.tests.browser import text_at
from callcentre.tests.helpers import wait_until

PASSWORD = "correct horse battery staple"  # UserFactory's
TIMEOUT = 20.0


def shows(browser, css: str, text: str) -> bool:
    return text in text_at(browser, css)


def log_in_to_desktop(browser, base_url: str, username: str) -> None:
    """Log in on the login page the desktop sends to, and wait for the desktop to be live."""
    browser.get(base_url + "/desktop/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(lambda: shows(browser, "#connection", "Live"), timeout=TIMEOUT)
