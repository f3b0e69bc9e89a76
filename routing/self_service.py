"""Self-service handlers: an IVR option that answers a question, then offers the menu again.

A handler takes a SelfServiceRequest and returns talk actions. Register a new
one with `@handler("name", "Label shown in admin")`; IvrOption.handler holds
the name.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from callcentre.vonage import ncco
from conversations.crm import CrmProfile
from routing import hours
from routing.models import IvrMenu
from routing.prompts import Voice


@dataclass(frozen=True, kw_only=True)
class SelfServiceRequest:
    menu: IvrMenu
    voice: Voice
    at: datetime
    # The caller's CRM profile, looked up only if the handler calls it (conversations.crm).
    profile: Callable[[], CrmProfile | None]


Handler = Callable[[SelfServiceRequest], list[ncco.Talk]]


@dataclass(frozen=True)
class RegisteredHandler:
    label: str
    function: Handler


HANDLERS: dict[str, RegisteredHandler] = {}


def handler(name: str, label: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[name] = RegisteredHandler(label=label, function=function)
        return function

    return register


def handler_choices() -> list[tuple[str, str]]:
    return [(name, registered.label) for name, registered in HANDLERS.items()]


def handler_get(name: str) -> Handler | None:
    registered = HANDLERS.get(name)
    return registered.function if registered else None


@handler("opening_hours", "Say the opening hours")
def opening_hours(request: SelfServiceRequest) -> list[ncco.Talk]:
    return [request.voice.talk(hours.describe(request.menu.business_hours))]


@handler("account_balance", "Say the caller's account balance (CRM)")
def account_balance(request: SelfServiceRequest) -> list[ncco.Talk]:
    profile = request.profile()
    if profile is None or profile.account_value is None:
        return [request.voice.talk("Sorry, we don't know your account balance.")]
    return [request.voice.talk(f"Your account balance is {profile.account_value:,.2f}.")]
