"""The CRM lookup never makes a webhook wait: cache first, then a time-boxed backend call."""

import logging
import time
from decimal import Decimal

import pytest

from callcentre.vonage.inbound import phone_number
from conversations import crm
from conversations.crm import CrmProfile, LocalCrmBackend, crm_profile_for_number
from conversations.models import Customer, CustomerHandle
from conversations.tests.crm_backends import VipBackend
from routing.models import Task
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, QueueFactory
from routing.tests.helpers import require_task_enqueue
from routing.tests.ivr_calls import IvrCall, texts, unique_number

pytestmark = pytest.mark.django_db

BUDGET_SECONDS = 1.0
ADA = VipBackend().lookup("")
MENU = "Thank you for calling the contact centre. For Billing, press 2."


class SlowVipBackend:
    """A CRM that takes a second to answer."""

    asked: list[str] = []

    def lookup(self, number: str) -> CrmProfile | None:
        self.asked.append(number)
        time.sleep(1)
        return ADA


class CountingUnknownBackend:
    asked: list[str] = []

    def lookup(self, number: str) -> CrmProfile | None:
        self.asked.append(number)
        return None


class FailingBackend:
    asked: list[str] = []

    def lookup(self, number: str) -> CrmProfile | None:
        self.asked.append(number)
        raise ConnectionError("the CRM is down")


@pytest.fixture
def backend(request, settings):
    """Use the backend class named by the test's parametrisation, with a fresh record."""
    backend_class = request.param
    backend_class.asked = []
    settings.CRM_BACKEND = f"{__name__}.{backend_class.__name__}"
    return backend_class


def use(settings, backend_class) -> type:
    backend_class.asked = []
    settings.CRM_BACKEND = f"{backend_class.__module__}.{backend_class.__name__}"
    return backend_class


def wait_until_cached(number: str, *, seconds: float = 5) -> None:
    digits = phone_number(number)
    deadline = time.monotonic() + seconds
    while crm.cache_read(digits) is crm.MISSING:
        assert time.monotonic() < deadline, f"the CRM answer for {number} was never cached"
        time.sleep(0.02)


@pytest.fixture
def vip_menu():
    billing = QueueFactory(name="Billing")
    menu = IvrMenuFactory(
        name="Main", is_entry=True, vip_queue=billing, vip_greeting="Welcome back, {name}."
    )
    IvrOptionFactory(menu=menu, digit="2", queue=billing)
    return menu


def test_a_cached_profile_is_used_without_asking_the_crm(settings):
    failing = use(settings, FailingBackend)
    number = unique_number()
    crm.cache_write(number, ADA)

    assert crm_profile_for_number(f"+{number[:2]} {number[2:]}") == ADA
    assert failing.asked == []


def test_an_answer_in_time_is_used_and_cached(settings):
    number = unique_number()
    settings.CRM_BACKEND = "conversations.tests.crm_backends.VipBackend"

    assert crm_profile_for_number(number) == ADA
    assert crm.cache_read(number) == {
        "profile": {
            "customer_id": None,
            "name": "Ada Lovelace",
            "is_vip": True,
            "account_value": Decimal("1250.50"),
            "crm_id": "CRM-ADA",
        }
    }


def test_a_number_the_crm_does_not_know_is_cached_too(settings):
    unknown = use(settings, CountingUnknownBackend)
    number = unique_number()

    assert crm_profile_for_number(number) is None
    assert crm_profile_for_number(number) is None
    assert unknown.asked == [number]


def test_a_failing_crm_gives_the_default_and_is_asked_again_next_time(settings, caplog):
    failing = use(settings, FailingBackend)
    number = unique_number()

    assert crm_profile_for_number(number) is None
    assert crm_profile_for_number(number) is None
    assert failing.asked == [number, number]
    assert "the CRM is down" in caplog.text


def test_no_number_no_lookup(settings):
    failing = use(settings, FailingBackend)

    assert crm_profile_for_number("") is None
    assert crm_profile_for_number("web-visitor") is None
    assert failing.asked == []


def test_a_slow_crm_gives_the_default_at_once_and_its_late_answer_fills_the_cache(settings):
    slow = use(settings, SlowVipBackend)
    number = unique_number()

    started = time.monotonic()
    first = crm_profile_for_number(number)
    elapsed = time.monotonic() - started
    wait_until_cached(number)

    assert first is None
    assert elapsed < 0.9
    assert crm_profile_for_number(number) == ADA
    assert slow.asked == [number]


def test_overlapping_lookups_of_one_number_share_one_crm_call(settings):
    slow = use(settings, SlowVipBackend)
    number = unique_number()

    assert crm_profile_for_number(number) is None
    assert crm_profile_for_number(number) is None
    wait_until_cached(number)

    assert slow.asked == [number]


def test_a_cold_cache_and_a_slow_crm_do_not_delay_the_answer_webhook(vonage, settings, vip_menu):
    IvrCall(vonage=vonage).answer()  # the process's first request imports the webhook code
    use(settings, SlowVipBackend)
    call = IvrCall(vonage=vonage)

    started = time.monotonic()
    ncco = call.answer()
    elapsed = time.monotonic() - started

    assert elapsed < BUDGET_SECONDS
    assert texts(ncco) == [MENU]
    assert call.ivr["vip"] is False


def test_the_next_call_after_a_slow_crm_answered_is_recognised_as_vip(vonage, settings, vip_menu):
    require_task_enqueue()
    use(settings, SlowVipBackend)
    first = IvrCall(vonage=vonage)
    first.answer()
    wait_until_cached(first.number)

    ncco = IvrCall(vonage=vonage, number=first.number).answer()

    assert texts(ncco) == ["Welcome back, Ada Lovelace.", "Connecting you to Billing. Please hold."]
    assert Task.objects.get().attributes["vip"] is True


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }


def test_with_redis_down_the_caller_takes_the_default_path_without_an_error(
    vonage, redis_down, vip_menu, caplog, settings
):
    unknown = use(settings, CountingUnknownBackend)  # an external CRM, whose answers are cached
    call = IvrCall(vonage=vonage)

    started = time.monotonic()
    ncco = call.answer()
    elapsed = time.monotonic() - started

    assert elapsed < 3.0
    assert texts(ncco) == [MENU]
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []
    assert "CRM cache unreachable" in caplog.text
    assert unknown.asked == [call.number]  # asked directly, within the time box


def test_with_redis_down_a_crm_answer_in_time_is_still_used(vonage, redis_down, vip_menu, settings):
    require_task_enqueue()
    settings.CRM_BACKEND = "conversations.tests.crm_backends.VipBackend"

    ncco = IvrCall(vonage=vonage).answer()

    assert texts(ncco)[0] == "Welcome back, Ada Lovelace."


def test_the_local_backend_reads_customers_by_phone_number():
    customer = Customer.objects.create(
        name="Grace Hopper", is_vip=True, account_value=Decimal("99.10"), crm_id="C-9"
    )
    CustomerHandle.objects.create(customer=customer, kind="phone", value="447700900555")
    CustomerHandle.objects.create(customer=customer, kind="email", value="447700900666")

    assert LocalCrmBackend().lookup("447700900555") == CrmProfile(
        customer_id=customer.pk,
        name="Grace Hopper",
        is_vip=True,
        account_value=Decimal("99.10"),
        crm_id="C-9",
    )
    assert LocalCrmBackend().lookup("447700900666") is None


def test_a_vip_kept_in_the_centre_is_recognised_on_the_first_call(vonage, settings, vip_menu):
    require_task_enqueue()
    settings.CRM_BACKEND = "conversations.crm.LocalCrmBackend"
    number = unique_number()
    customer = Customer.objects.create(name="Grace Hopper", is_vip=True)
    CustomerHandle.objects.create(customer=customer, kind="phone", value=number)

    ncco = IvrCall(vonage=vonage, number=number).answer()

    assert texts(ncco) == [
        "Welcome back, Grace Hopper.",
        "Connecting you to Billing. Please hold.",
    ]
    assert Task.objects.get().attributes["vip"] is True
    # Read in the webhook's own transaction, not through the cache.
    assert crm.cache_read(number) is crm.MISSING


class BrokenLocalBackend(LocalCrmBackend):
    def lookup(self, number: str) -> CrmProfile | None:
        Customer.objects.raw("SELECT no_such_column FROM conversations_customer")[0]

    def profile_of(self, customer: Customer) -> CrmProfile:
        raise RuntimeError("a bug in the CRM backend")


def test_a_failing_local_lookup_takes_the_default_path_and_keeps_the_call(
    vonage, settings, vip_menu, caplog
):
    use(settings, BrokenLocalBackend)
    call = IvrCall(vonage=vonage)

    ncco = call.answer()

    assert texts(ncco) == [MENU]
    assert call.ivr["vip"] is False
    assert call.conversation.events.get().kind == "answer"  # stored, not spooled
    assert "failed: default path" in caplog.text
