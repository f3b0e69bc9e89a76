"""A caller leaves a voicemail over the real, signed webhooks (routing.voicemail): the
closed queue's branch takes a message, the caller hangs up, the recording arrives."""

from conversations.tests import payloads
from routing.models import DispositionCode, FallbackAction, Queue, Task
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, QueueFactory, hours_closed_now
from routing.tests.ivr_calls import IvrCall


def closed_billing() -> Queue:
    """Billing, closed now, taking voicemails; it requires one of its two dispositions."""
    queue = QueueFactory(
        name="Billing",
        business_hours=hours_closed_now(name="Billing hours"),
        closed_action=FallbackAction.VOICEMAIL,
        disposition_required=True,
    )
    DispositionCode.objects.create(queue=queue, code="resolved", label="Resolved")
    DispositionCode.objects.create(queue=queue, code="no_action", label="No action needed")
    return queue


def entry_menu(billing: Queue):
    menu = IvrMenuFactory(name="Main", is_entry=True)
    IvrOptionFactory(menu=menu, digit="1", queue=QueueFactory(name="Sales"))
    IvrOptionFactory(menu=menu, digit="2", queue=billing)
    return menu


def leave_voicemail(vonage, vonage_api, *, digits: str = "2", seconds: int = 30) -> IvrCall:
    """Call, press `digits`, speak for `seconds` after the tone, hang up; then the
    recording's webhook, its audio on the fake Vonage."""
    call = IvrCall(vonage=vonage)
    call.answer()
    ncco = call.press(digits)
    assert [action["action"] for action in ncco][-2] == "record", ncco
    completed = payloads.status(call.ids, "completed", at=seconds + 20)
    vonage.post("/webhooks/event", completed)
    record = payloads.record(call.ids, at=seconds + 15)
    record["start_time"] = payloads.timestamp(15)
    record["recording_url"] = f"https://{vonage_api.host}/v1/files/{record['recording_uuid']}"
    response = vonage.post("/webhooks/recording", record)
    assert response.status_code == 204, response.content
    return call


def voicemail_task(call: IvrCall) -> Task:
    return Task.objects.get(conversation=call.conversation, channel="voicemail")
