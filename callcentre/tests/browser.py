"""Reading a live page in browser tests without racing its re-renders."""

READ_TEXT = """
return Array.from(document.querySelectorAll(arguments[0]), (node) => node.innerText).join(" ");
"""


def text_at(browser, css: str) -> str:
    """The text of every element matching `css`, read in one step in the page: a screen that
    re-renders between finding an element and reading it cannot make the read fail."""
    return browser.execute_script(READ_TEXT, css)
