"""Each process keeps the IVR menus it loaded; an edit reaches the next caller anyway."""

import pytest
from django.core.cache import cache

from routing import selectors
from routing.models import IvrMenu, Queue
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, QueueFactory
from routing.tests.ivr_calls import IvrCall, texts

pytestmark = pytest.mark.django_db

GREETING = "Thank you for calling the contact centre."


@pytest.fixture
def main():
    menu = IvrMenuFactory(name="Main", is_entry=True)
    IvrOptionFactory(menu=menu, digit="1", keywords="sales", queue=QueueFactory(name="Sales"))
    IvrOptionFactory(menu=menu, digit="2", keywords="billing", queue=QueueFactory(name="Billing"))
    return menu


def answer(vonage) -> list[str]:
    return texts(IvrCall(vonage=vonage).answer())


def test_the_entry_menu_is_read_from_the_database_once_for_many_calls(
    vonage, main, django_assert_num_queries
):
    answer(vonage)
    with django_assert_num_queries(0):
        assert selectors.menu_entry() == main
    assert answer(vonage) == [f"{GREETING} For Sales, press 1. For Billing, press 2."]


def test_an_edit_in_the_admin_is_heard_by_the_next_caller(
    vonage, main, django_capture_on_commit_callbacks
):
    answer(vonage)

    with django_capture_on_commit_callbacks(execute=True):
        main.greeting = "Welcome to the new menu."
        main.save()
    assert answer(vonage) == ["Welcome to the new menu. For Sales, press 1. For Billing, press 2."]

    with django_capture_on_commit_callbacks(execute=True):
        sales = Queue.objects.get(name="Sales")
        sales.is_active = False
        sales.save()
    assert answer(vonage) == ["Welcome to the new menu. For Billing, press 2."]


def test_an_edit_committed_by_another_process_is_heard_within_the_check_interval(
    vonage, main, monkeypatch
):
    monkeypatch.setattr(selectors, "MENU_CHECK_SECONDS", 3600)
    answer(vonage)
    # Another process edits and commits: the database and the shared version key change,
    # this process's signals never fire.
    IvrMenu.objects.filter(pk=main.pk).update(greeting="Edited elsewhere.")
    version = cache.get(selectors.MENU_VERSION_KEY)
    cache.set(selectors.MENU_VERSION_KEY, (version or 0) + 1)
    assert answer(vonage)[0].startswith(GREETING)  # within the interval: the menu it has

    monkeypatch.setattr(selectors, "MENU_CHECK_SECONDS", 0)
    assert answer(vonage) == ["Edited elsewhere. For Sales, press 1. For Billing, press 2."]


def test_a_saved_menu_moves_the_shared_version_on_commit(main, django_capture_on_commit_callbacks):
    before = cache.get(selectors.MENU_VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        main.save()
    assert cache.get(selectors.MENU_VERSION_KEY) == before  # nothing until the commit

    for callback in callbacks:
        callback()
    assert cache.get(selectors.MENU_VERSION_KEY) != before
