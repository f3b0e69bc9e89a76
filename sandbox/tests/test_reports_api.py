"""The sandbox's Reports API subset (CONTRACT §8): GET /v2/reports/records with Basic auth,
VOICE-CALL and VOICE-FAILED records of the legs it played, refused parameters as 422."""

import ssl
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from callcentre.tests.helpers import wait_until
from callcentre.vonage.client import VonageClient, VonageError
from sandbox.tests.helpers import API_KEY, API_SECRET, APPLICATION_ID, CENTRE

CUSTOMER = "447700900555"
NCCO = [{"action": "talk", "text": "Hello."}]


@pytest.fixture
def sandbox(receiver, start_sandbox, monkeypatch):
    receiver.respond = lambda request: (204, None)
    running = start_sandbox(receiver.url)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(running.sandbox.certificate.bundle))
    return running


def client_for(sandbox, private_key_pem, *, secret: str = API_SECRET) -> VonageClient:
    return VonageClient(
        application_id=APPLICATION_ID,
        private_key=private_key_pem,
        api_key=API_KEY,
        api_secret=secret,
        api_host=sandbox.config.api_host,
    )


def finished_call(client: VonageClient, sandbox, number: str = CUSTOMER) -> str:
    created = client.create_call(
        to={"type": "phone", "number": number}, from_number=CENTRE, ncco=NCCO
    )
    wait_until(lambda: sandbox.control.call(created.uuid)["ended"], timeout=20)
    return created.uuid


def test_voice_call_records_of_a_day_with_their_prices(sandbox, private_key_pem):
    client = client_for(sandbox, private_key_pem)
    leg = finished_call(client, sandbox)
    now = datetime.now(UTC)

    records = client.report_records(
        product="VOICE-CALL", date_start=now - timedelta(days=1), date_end=now + timedelta(days=1)
    )

    [record] = records
    assert (record["call_id"], record["account_id"], record["status"]) == (leg, API_KEY, "ANSWERED")
    assert (record["to"], record["from"], record["currency"]) == (CUSTOMER, CENTRE, "EUR")
    assert record["price"] == "0.00450000"  # per minute
    assert all(isinstance(value, str) for value in record.values())
    assert (
        client.report_records(
            product="VOICE-CALL",
            date_start=now + timedelta(days=1),
            date_end=now + timedelta(days=2),
        )
        == []
    )


def test_refusals(sandbox, private_key_pem):
    now = datetime.now(UTC)
    with pytest.raises(VonageError) as refused:
        client_for(sandbox, private_key_pem, secret="wrong").report_records(
            product="VOICE-CALL", date_start=now, date_end=now
        )
    assert refused.value.status == 401
    url = f"https://{sandbox.config.api_host}/v2/reports/records"
    basic = (API_KEY, API_SECRET)
    verify = ssl.create_default_context(cafile=str(sandbox.sandbox.certificate.bundle))
    bad_product = httpx.get(
        url, params={"product": "SMS", "account_id": API_KEY}, auth=basic, verify=verify
    )
    other_account = httpx.get(
        url, params={"product": "VOICE-CALL", "account_id": "x"}, auth=basic, verify=verify
    )
    assert (bad_product.status_code, other_account.status_code) == (422, 422)
    assert bad_product.json()["invalid_parameters"][0]["name"] == "product"
    by_id = httpx.get(
        url,
        params={"product": "VOICE-CALL", "account_id": API_KEY, "id": "nope"},
        auth=basic,
        verify=verify,
    ).json()
    assert (by_id["ids_not_found"], by_id["items_count"]) == ("nope", 0)
