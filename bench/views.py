"""The bare views the webhooks are compared with: plain Django, no DRF, no signature check."""

import json

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from bench.models import BareAnswer
from conversations.models import CustomerHandle

# About the size of the answer webhook's IVR menu NCCO.
CONSTANT_NCCO = [
    {
        "action": "talk",
        "text": "Thank you for calling the contact centre. For sales, press 1. "
        "For billing and payments, press 2. For technical support, press 3.",
        "bargeIn": True,
        "language": "en-US",
    },
    {
        "action": "input",
        "type": ["dtmf", "speech"],
        "dtmf": {"maxDigits": 1, "timeOut": 5},
        "speech": {"language": "en-US", "context": ["Sales", "Billing", "Support"]},
        "eventUrl": ["http://127.0.0.1:8000/webhooks/event"],
    },
]


@csrf_exempt
def constant_ncco(request: HttpRequest) -> JsonResponse:
    return JsonResponse(CONSTANT_NCCO, safe=False)


@csrf_exempt
def select_and_insert(request: HttpRequest) -> JsonResponse:
    """The shape of an answer webhook: read the JSON, one indexed SELECT, one INSERT, an NCCO."""
    payload = json.loads(request.body)
    with transaction.atomic():
        customer_id = (
            CustomerHandle.objects.filter(kind=CustomerHandle.Kind.PHONE, value=payload["from"])
            .values_list("customer_id", flat=True)
            .first()
        )
        BareAnswer.objects.create(
            customer_id=customer_id,
            leg_uuid=payload["uuid"],
            payload=payload,
            received_at=timezone.now(),
        )
    return JsonResponse(CONSTANT_NCCO, safe=False)
