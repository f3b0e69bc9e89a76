"""Supervisors configure menus, hours and queues in admin: mistakes are form errors, not 500s."""

import pytest

from agents.tests.factories import UserFactory
from routing.models import BusinessHours, IvrMenu, IvrOption, Queue
from routing.tests.factories import IvrMenuFactory, QueueFactory, SkillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(client):
    client.force_login(UserFactory(username="sam", is_staff=True, is_superuser=True))
    return client


def inline(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{field}": value for field, value in row.items()})
    return data


def menu_form(*, options: list[dict] = (), **fields) -> dict:
    return {
        "name": "Main",
        "greeting": "Thank you for calling {centre}.",
        "language": "en-US",
        "voice_style": "0",
        "input_timeout_seconds": "5",
        "no_input_retries": "2",
        "invalid_input_retries": "2",
        "closed_action": "voicemail",
        "vip_priority_boost": "10",
        **fields,
        **inline("options", list(options)),
    }


def queue_form(*, steps: list[dict] = (), codes: list[dict] = (), **fields) -> dict:
    return {
        "name": "Billing",
        "is_active": "on",
        "priority": "0",
        "strategy": "longest_idle",
        "service_level_percent": "80",
        "service_level_seconds": "20",
        "short_abandon_seconds": "5",
        "offer_timeout_seconds": "20",
        "wrap_up_seconds": "30",
        "wrap_up_extension_seconds": "0",
        "announce_interval_seconds": "60",
        "offer_callback_while_waiting": "on",
        "overflow_action": "voicemail",
        "closed_action": "voicemail",
        "recording": "off",
        **fields,
        **inline("queue_skills", []),
        **inline("escalation_steps", list(steps)),
        **inline("disposition_codes", list(codes)),
        **inline("canned_replies", []),
    }


def post(client, url: str, data: dict) -> str:
    response = client.post(url, data)
    assert response.status_code == 200, "expected the form again, with errors"
    return response.content.decode()


def test_a_valid_menu_with_options_is_saved(supervisor_client):
    billing = QueueFactory(name="Billing")

    response = supervisor_client.post(
        "/admin/routing/ivrmenu/add/",
        menu_form(
            is_entry="on",
            options=[
                {"digit": "2", "prompt": "For billing", "action": "queue", "queue": billing.pk},
                {
                    "digit": "0",
                    "prompt": "For our hours",
                    "action": "self_service",
                    "handler": "opening_hours",
                },
            ],
        ),
    )

    assert response.status_code == 302
    menu = IvrMenu.objects.get()
    assert menu.is_entry is True
    assert list(menu.options.values_list("digit", "action", "handler")) == [
        ("0", "self_service", "opening_hours"),
        ("2", "queue", ""),
    ]


def test_a_second_entry_menu_is_a_form_error(supervisor_client):
    IvrMenuFactory(name="Main", is_entry=True)

    page = post(
        supervisor_client, "/admin/routing/ivrmenu/add/", menu_form(name="Other", is_entry="on")
    )

    assert (
        "Another menu is already the entry menu: untick &#x27;Is entry&#x27; there first." in page
    )
    assert IvrMenu.objects.count() == 1


def test_two_options_on_one_key_are_a_form_error(supervisor_client):
    billing = QueueFactory(name="Billing")
    option = {"digit": "2", "prompt": "For billing", "action": "queue", "queue": billing.pk}

    page = post(
        supervisor_client, "/admin/routing/ivrmenu/add/", menu_form(options=[option, option])
    )

    assert "Each key can lead to one option only in a menu: 2 is used more than once." in page
    assert (IvrMenu.objects.count(), IvrOption.objects.count()) == (0, 0)


def test_a_new_option_on_a_key_already_taken_is_a_form_error(supervisor_client):
    menu = IvrMenuFactory(name="Main")
    billing = QueueFactory(name="Billing")
    existing = IvrOption.objects.create(
        menu=menu, digit="2", prompt="For billing", action="queue", queue=billing
    )
    data = menu_form(
        options=[
            {
                "id": existing.pk,
                "menu": menu.pk,
                "digit": "2",
                "prompt": "For billing",
                "action": "queue",
                "queue": billing.pk,
            },
            {"digit": "2", "prompt": "Again", "action": "queue", "queue": billing.pk},
        ]
    )
    data["options-INITIAL_FORMS"] = "1"

    page = post(supervisor_client, f"/admin/routing/ivrmenu/{menu.pk}/change/", data)

    assert "Each key can lead to one option only in a menu: 2 is used more than once." in page
    assert IvrOption.objects.count() == 1


@pytest.mark.parametrize(
    ("option", "error"),
    [
        ({"digit": "x", "action": "voicemail"}, "A key is 0-9, * or #."),
        ({"digit": "1", "action": "queue"}, "Choose the queue this option leads to."),
        ({"digit": "1", "action": "callback"}, "Choose the queue this option leads to."),
        ({"digit": "1", "action": "submenu"}, "Choose the menu this option leads to."),
        ({"digit": "1", "action": "self_service"}, "Choose the self-service handler."),
        (
            {"digit": "1", "action": "self_service", "handler": "weather"},
            "Select a valid choice. weather is not one of the available choices.",
        ),
    ],
)
def test_an_incomplete_option_is_a_form_error(supervisor_client, option, error):
    page = post(
        supervisor_client,
        "/admin/routing/ivrmenu/add/",
        menu_form(options=[{"prompt": "For something", **option}]),
    )

    assert error in page
    assert IvrMenu.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"closed_action": "queue"},
            "Choose the queue that takes these callers (or their callbacks) "
            "while the menu is closed.",
        ),
        (
            {"closed_action": "callback"},
            "Choose the queue that takes these callers (or their callbacks) "
            "while the menu is closed.",
        ),
        (
            {"vip_greeting": "Welcome back, {name}."},
            "Choose the queue VIP callers go to, or clear the VIP fields.",
        ),
    ],
)
def test_an_incomplete_menu_is_a_form_error(supervisor_client, fields, error):
    page = post(supervisor_client, "/admin/routing/ivrmenu/add/", menu_form(**fields))

    assert error in page
    assert IvrMenu.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"closed_action": "queue"}, "Choose the queue that takes calls while this one is closed."),
        ({"overflow_action": "queue"}, "Choose the queue that takes this queue&#x27;s overflow."),
    ],
)
def test_a_queue_fallback_without_its_queue_is_a_form_error(supervisor_client, fields, error):
    page = post(supervisor_client, "/admin/routing/queue/add/", queue_form(**fields))

    assert error in page
    assert Queue.objects.count() == 0


def test_a_supervisor_sets_how_waiting_callers_are_kept_informed(supervisor_client):
    response = supervisor_client.post(
        "/admin/routing/queue/add/",
        {**queue_form(announce_interval_seconds="45"), "offer_callback_while_waiting": ""},
    )

    assert response.status_code == 302
    queue = Queue.objects.get()
    assert (queue.announce_interval_seconds, queue.offer_callback_while_waiting) == (45, False)


def test_a_supervisor_gives_a_queue_its_disposition_codes_and_requires_one(supervisor_client):
    response = supervisor_client.post(
        "/admin/routing/queue/add/",
        queue_form(
            disposition_required="on",
            wrap_up_extension_seconds="30",
            codes=[
                {"code": "refund", "label": "Refund agreed", "is_active": "on", "position": "1"},
                {
                    "code": "explained",
                    "label": "Bill explained",
                    "is_active": "on",
                    "position": "0",
                },
            ],
        ),
    )

    assert response.status_code == 302
    queue = Queue.objects.get()
    assert (queue.disposition_required, queue.wrap_up_extension_seconds) == (True, 30)
    assert list(queue.disposition_codes.values_list("code", flat=True)) == ["explained", "refund"]


def test_a_negative_announce_interval_is_a_form_error(supervisor_client):
    page = post(
        supervisor_client, "/admin/routing/queue/add/", queue_form(announce_interval_seconds="-5")
    )

    assert "Ensure this value is greater than or equal to 0." in page
    assert Queue.objects.count() == 0


def test_an_escalation_step_without_its_skill_is_a_form_error(supervisor_client):
    SkillFactory(name="billing")

    page = post(
        supervisor_client,
        "/admin/routing/queue/add/",
        queue_form(steps=[{"after_seconds": "60", "action": "drop_skill", "amount": "1"}]),
    )

    assert "Choose the skill to drop." in page
    assert Queue.objects.count() == 0


def hours_form(*, periods: list[dict] = (), holidays: list[dict] = (), **fields) -> dict:
    return {
        "name": "Office",
        "time_zone": "Europe/London",
        **fields,
        **inline("periods", list(periods)),
        **inline("holidays", list(holidays)),
    }


def test_valid_hours_are_saved(supervisor_client):
    response = supervisor_client.post(
        "/admin/routing/businesshours/add/",
        hours_form(
            periods=[{"weekday": "4", "opens": "22:00", "closes": "02:00"}],
            holidays=[{"date": "2026-12-25", "name": "Christmas Day"}],
        ),
    )

    assert response.status_code == 302
    hours = BusinessHours.objects.get()
    assert [str(period) for period in hours.periods.all()] == ["Friday 22:00-02:00"]
    assert [str(holiday) for holiday in hours.holidays.all()] == ["2026-12-25 Christmas Day"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            hours_form(time_zone="Mars/Olympus_Mons"),
            "&#x27;Mars/Olympus_Mons&#x27; is not a time zone name such as Europe/London.",
        ),
        (
            hours_form(periods=[{"weekday": "0", "opens": "09:00", "closes": "09:00"}]),
            "A period must open and close at different times.",
        ),
        (
            hours_form(holidays=[{"date": "2026-12-25"}, {"date": "2026-12-25"}]),
            "Please correct the duplicate data for date.",
        ),
    ],
)
def test_wrong_hours_are_a_form_error(supervisor_client, data, error):
    page = post(supervisor_client, "/admin/routing/businesshours/add/", data)

    assert error in page
    assert BusinessHours.objects.count() == 0
