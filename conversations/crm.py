"""Who is calling, from the CRM, without ever making a webhook wait for it.

A backend (CRM_BACKEND) is a class with `lookup(number: str) -> CrmProfile | None`,
where `number` is E.164 digits.

An external CRM may be slow or down, so `crm_profile_for_number` reads the
Django cache first. On a miss it runs the backend in a small shared thread
pool and waits at most CRM_TIMEOUT_MS: an answer in time is used and cached
for CRM_CACHE_SECONDS; a late answer still fills the cache for the caller's
next call, and this call takes the default (non-VIP) path. A cache that is
down counts as a miss and never raises. Django database connections opened
in a pool thread are closed when the lookup ends.

A backend with `inline = True` (the built-in LocalCrmBackend) reads the
database the webhook is already using: it runs in the webhook's own
connection and transaction, in a savepoint (a failed lookup leaves the
webhook's transaction usable), bounded by the webhook's statement timeout,
and is not cached. In a pool thread it would need a database connection of
its own for every lookup (measured: 8 of the answer webhook's 18 ms) and
could not see the customer the call has just created.

After a contact, the post-call pipeline writes what it came to back to the CRM
(`crm_write_back`): a backend with `write_back(outcome: CrmOutcome) -> None` receives it
(the built-in one keeps it as a CustomerOutcome of the customer); a backend without that
method is left alone.

A backend whose profile is the Customer row itself may also define
`profile_of(customer) -> CrmProfile`, which must not query: when the webhook
has already read the caller's Customer (the answer webhook always has), it
is used instead of `lookup`, and the call costs no query at all.
"""

import dataclasses
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.utils.module_loading import import_string

from callcentre.vonage.inbound import phone_number
from conversations.models import Customer, CustomerHandle, CustomerOutcome

logger = logging.getLogger(__name__)

POOL_SIZE = 4
CACHE_KEY_PREFIX = "crm:profile:v1:"
MISSING = object()


@dataclass(frozen=True, kw_only=True)
class CrmProfile:
    customer_id: int | None
    name: str
    is_vip: bool
    account_value: Decimal | None
    crm_id: str


@dataclass(frozen=True, kw_only=True)
class CrmOutcome:
    """What a contact came to, for the CRM: written once per conversation (again: replaced)."""

    customer_id: int
    conversation_id: int
    outcome: str
    disposition: str
    intent: str
    sentiment: float | None
    summary: str


class CrmBackend(Protocol):
    """What CRM_BACKEND names (the module docstring says what `inline` and `profile_of` do)."""

    def lookup(self, number: str) -> CrmProfile | None: ...


class LocalCrmBackend:
    """The CRM data we keep ourselves: Customer and its phone CustomerHandle."""

    inline = True  # one indexed query on the webhook's own connection: no thread, no cache

    def lookup(self, number: str) -> CrmProfile | None:
        handle = (
            CustomerHandle.objects.select_related("customer")
            .filter(kind=CustomerHandle.Kind.PHONE, value=number)
            .first()
        )
        return self.profile_of(handle.customer) if handle is not None else None

    def profile_of(self, customer: Customer) -> CrmProfile:
        return CrmProfile(
            customer_id=customer.pk,
            name=customer.name,
            is_vip=customer.is_vip,
            account_value=customer.account_value,
            crm_id=customer.crm_id or "",
        )

    def write_back(self, outcome: CrmOutcome) -> None:
        CustomerOutcome.objects.update_or_create(
            conversation_id=outcome.conversation_id,
            defaults={
                "customer_id": outcome.customer_id,
                "outcome": outcome.outcome,
                "disposition": outcome.disposition,
                "intent": outcome.intent,
                "sentiment": outcome.sentiment,
                "summary": outcome.summary,
            },
        )


def cache_key(digits: str) -> str:
    return f"{CACHE_KEY_PREFIX}{digits}"


def cache_read(digits: str) -> object:
    """The cached entry, or MISSING (also when the cache is unreachable)."""
    try:
        return cache.get(cache_key(digits), MISSING)
    except Exception:
        logger.warning("CRM cache unreachable: treating %s as a miss", digits, exc_info=True)
        return MISSING


def cache_write(digits: str, profile: CrmProfile | None) -> None:
    # A number the CRM does not know is cached too ({"profile": None}), so it is not asked again.
    entry = {"profile": dataclasses.asdict(profile) if profile is not None else None}
    try:
        cache.set(cache_key(digits), entry, timeout=settings.CRM_CACHE_SECONDS)
    except Exception:
        logger.warning("CRM cache unreachable: could not store %s", digits, exc_info=True)


def profile_from_entry(entry: object) -> CrmProfile | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("profile"), dict):
        return None
    try:
        return CrmProfile(**entry["profile"])
    except TypeError:
        return None  # an entry written by another version of CrmProfile


def backend_lookup(backend: CrmBackend, digits: str) -> CrmProfile | None:
    """Runs in a pool thread: ask the backend, cache the answer, give back the connection."""
    try:
        profile = backend.lookup(digits)
    except Exception:
        logger.exception("CRM lookup of %s failed: default path, nothing cached", digits)
        return None
    finally:
        connections.close_all()
    cache_write(digits, profile)
    return profile


def inline_lookup(backend: CrmBackend, digits: str) -> CrmProfile | None:
    try:
        with transaction.atomic():  # a savepoint inside the webhook's transaction
            return backend.lookup(digits)
    except Exception:
        logger.exception("CRM lookup of %s failed: default path", digits)
        return None


class LookupPool:
    """One shared pool per process, started on first use (after a server forks its workers).

    Lookups of the same number that overlap share one backend call, so a slow
    CRM costs one pool thread per number rather than one per webhook.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executor: ThreadPoolExecutor | None = None
        self.in_flight: dict[str, Future[CrmProfile | None]] = {}

    def submit(self, backend: CrmBackend, digits: str) -> Future[CrmProfile | None]:
        with self.lock:
            future = self.in_flight.get(digits)
            if future is not None:
                return future
            if self.executor is None:
                self.executor = ThreadPoolExecutor(
                    max_workers=POOL_SIZE, thread_name_prefix="crm-lookup"
                )
            future = self.executor.submit(backend_lookup, backend, digits)
            self.in_flight[digits] = future
        future.add_done_callback(lambda done: self.forget(digits, done))
        return future

    def forget(self, digits: str, future: Future[CrmProfile | None]) -> None:
        with self.lock:
            if self.in_flight.get(digits) is future:
                del self.in_flight[digits]


pool = LookupPool()


def crm_backend() -> CrmBackend:
    return import_string(settings.CRM_BACKEND)()


def crm_profile_for_number(number: str, *, customer: Customer | None = None) -> CrmProfile | None:
    """The caller's CRM profile, or None when unknown or not known in time.

    `customer`: the caller's Customer, when the webhook has already read it.
    """
    digits = phone_number(number)
    if not digits:
        return None
    backend = crm_backend()
    if customer is not None and hasattr(backend, "profile_of"):
        try:
            return backend.profile_of(customer)
        except Exception:
            logger.exception("CRM profile of customer %s failed: default path", customer.pk)
            return None
    if getattr(backend, "inline", False):
        return inline_lookup(backend, digits)
    entry = cache_read(digits)
    if entry is not MISSING:
        return profile_from_entry(entry)
    try:
        future = pool.submit(backend, digits)
        return future.result(timeout=settings.CRM_TIMEOUT_MS / 1000)
    except FutureTimeoutError:
        logger.info(
            "CRM lookup of %s took over %s ms: default path", digits, settings.CRM_TIMEOUT_MS
        )
        return None
    except Exception:
        logger.exception("CRM lookup of %s could not start: default path", digits)
        return None


def crm_write_back(outcome: CrmOutcome) -> bool:
    """Give the CRM what a contact came to; False when the backend takes no write-back.
    Errors are the caller's (the pipeline step is retried by the sweep)."""
    backend = crm_backend()
    write_back = getattr(backend, "write_back", None)
    if write_back is None:
        return False
    write_back(outcome)
    return True
