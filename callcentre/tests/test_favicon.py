"""Every page names its icon, so browsers stop asking for a /favicon.ico that is not there."""

import pytest

from agents.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ICON_LINK = '<link rel="icon" href="/static/callcentre/favicon.svg" type="image/svg+xml">'


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_page_links_the_icon_and_the_icon_is_served(client, url):
    page = client.get(url)
    icon = client.get("/static/callcentre/favicon.svg")

    assert page.status_code == 200
    assert ICON_LINK in page.content.decode()
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert b"".join(icon.streaming_content).startswith(b"<svg ")


def test_the_supervisors_pages_link_the_icon(client):
    client.force_login(UserFactory(username="sam", is_staff=True, is_superuser=True))

    for url in ["/admin/", "/admin/routing/ivrmenu/", "/admin/dashboard/live/"]:
        assert ICON_LINK in client.get(url).content.decode(), url


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")

    assert (response.status_code, response["Location"]) == (301, "/static/callcentre/favicon.svg")
