"""Customers: found or made by their phone number, and locked while a decision about
them is made."""

from django.db import IntegrityError, transaction

from callcentre.vonage.inbound import phone_number
from conversations import selectors
from conversations.models import (
    Customer,
    CustomerHandle,
)


def customer_for_number(*, number: str) -> Customer | None:
    """The customer with this phone number, created when the number is new."""
    digits = phone_number(number)
    if not digits:
        return None
    customer = selectors.customer_with_phone(digits=digits)
    if customer is not None:
        return customer
    try:
        with transaction.atomic():
            customer = Customer.objects.create()
            CustomerHandle.objects.create(
                customer=customer, kind=CustomerHandle.Kind.PHONE, value=digits
            )
            return customer
    except IntegrityError:
        # Another request created this caller at the same moment: use theirs.
        return selectors.customer_with_phone(digits=digits)


def customer_lock(*, customer_id: int | None) -> None:
    """Hold the customer's row until the transaction ends, so that decisions about one
    customer made in several processes at once (their survey) are made one at a time."""
    if customer_id is not None:
        list(Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk"))


def customer_correct(*, customer_id: int, name: str | None, email: str | None) -> list[str]:
    """Correct a customer's name and e-mail (None: leave as is); the fields that changed."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        changed = []
        for field, value in (("name", name), ("email", email)):
            if value is not None and getattr(customer, field) != value:
                setattr(customer, field, value)
                changed.append(field)
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
    return changed
