"""Supervisors configure and inspect everything in Django admin."""

import pytest
from django.contrib import admin

from agents.tests.factories import UserFactory
from conversations.models import Conversation
from conversations.tests import payloads

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(client):
    client.force_login(UserFactory(username="sam", is_staff=True, is_superuser=True))
    return client


def admin_urls() -> list[str]:
    return [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model in admin.site._registry
        if model._meta.app_label in {"conversations", "routing", "agents", "reports"}
    ]


def test_every_model_of_the_product_is_in_admin():
    registered = {model._meta.label for model in admin.site._registry}
    assert {
        "conversations.Customer",
        "conversations.CustomerHandle",
        "conversations.Conversation",
        "conversations.Member",
        "conversations.Event",
        "conversations.Message",
        "conversations.Recording",
        "routing.Skill",
        "routing.Queue",
        "agents.Agent",
        "agents.AgentSkill",
        "reports.CallDetailRecord",
    } <= registered


def test_every_changelist_and_add_page_opens(supervisor_client, vonage):
    call = payloads.new_call()
    vonage.post("/webhooks/answer", payloads.answer(call))
    for payload in payloads.lifecycle(call):
        vonage.post("/webhooks/event", payload)

    for url in admin_urls():
        assert supervisor_client.get(url).status_code == 200, url
    conversation = Conversation.objects.get()
    change_page = supervisor_client.get(
        f"/admin/conversations/conversation/{conversation.pk}/change/"
    )
    assert change_page.status_code == 200
    assert call["uuid"] in change_page.content.decode()


def test_agents_cannot_open_admin(client):
    client.force_login(UserFactory(username="alice"))

    response = client.get("/admin/conversations/conversation/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_spells_ivr_and_vip_in_capitals(supervisor_client):
    index = supervisor_client.get("/admin/routing/").content.decode()
    add_menu = supervisor_client.get("/admin/routing/ivrmenu/add/").content.decode()

    assert ">IVR menus<" in index
    assert "Ivr" not in index
    for label in ("VIP greeting:", "VIP queue:", "VIP priority boost:", "VIP skill:"):
        assert label in add_menu
    assert "IVR options" in add_menu  # the options inline
    assert "Vip " not in add_menu and "Ivr " not in add_menu
