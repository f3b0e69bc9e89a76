"""Recorded conversations: each queue says whether its calls are recorded (off, always, or
unless the caller refuses), the caller hears the notice before an agent joins, and the
agent's leg records the call.

- **The notice** goes into the caller's way into the queue (routing.ivr_queues, and a cold
  transfer's, routing.transfer), after "Connecting you to ..." and before the waiting room.
  With consent, the notice says which key refuses and an `input` listens for it; its answer
  (`consent_answer`, from the input webhook) stores the choice on the conversation
  (`attributes["recording_consent"]`: true, or false when refused) and only then puts the
  caller in the waiting room. Silence is consent.
- **The recording** is an NCCO `record` on each agent's leg, before it joins the caller's
  conversation: `split: "conversation"` with 2 channels (the agent on one, everything the
  agent hears, the customer, on the other). Vonage offers split channels only on the record
  action (CONTRACT §4; the conversation action's `record` is one mixed channel), and an
  agent's leg, unlike the caller's, is never given a new NCCO while it is in the call, so
  the recording runs from the agent joining to their leaving. Its event comes to
  `/webhooks/recording`, and the post-call pipeline copies the file to storage
  (docs/reports.md). A consult or conference agent's leg records too.
- An agent placed before the caller answered the notice (a rare race: the notice takes
  seconds, the offer and accept longer) is not recorded: no answer is no consent yet.
"""

from callcentre.vonage import ncco
from conversations.models import Conversation
from conversations.services.calls import conversation_set_attributes
from routing.models import Queue, Task
from routing.prompts import Voice, hold_conversation, webhook_url
from routing.rooms import waiting_room_name

REFUSE_KEY = "9"
CONSENT_SECONDS = 5
ALWAYS_NOTICE = "This call is recorded for quality and training."
CONSENT_NOTICE = (
    "This call will be recorded for quality and training. "
    f"If you do not want it to be recorded, press {REFUSE_KEY} now."
)
REFUSED_TEXT = "Thank you. This call will not be recorded."
CONSENT_KEY = "recording_consent"


def with_notice(actions: list[ncco.Action], *, queue: Queue, voice: Voice) -> list[ncco.Action]:
    """The caller's way into `queue` (its last action: the waiting room) with the queue's
    recording notice before the room; with consent, the room waits for their answer."""
    if queue.recording == Queue.Recording.ALWAYS:
        return [*actions[:-1], voice.talk(ALWAYS_NOTICE), actions[-1]]
    if queue.recording == Queue.Recording.CONSENT:
        return [
            *actions[:-1],
            voice.talk(CONSENT_NOTICE, barge_in=True),
            ncco.Input(
                type=["dtmf"],
                dtmf=ncco.DtmfSettings(max_digits=1, timeout=CONSENT_SECONDS),
                event_url=webhook_url("event"),
            ),
        ]
    return actions


def consent_asked(conversation: Conversation) -> bool:
    return CONSENT_KEY in conversation.attributes


def awaiting_consent(*, conversation: Conversation, task: Task | None) -> bool:
    """Whether an input from the caller answers the recording notice: they wait in a queue
    that asks for consent and have not answered it yet."""
    return (
        task is not None
        and task.queue.recording == Queue.Recording.CONSENT
        and not consent_asked(conversation)
    )


def consent_answer(*, conversation: Conversation, digits: str, voice: Voice) -> list[ncco.Action]:
    """Keep the caller's choice on the conversation; then the waiting room."""
    refused = digits[:1] == REFUSE_KEY
    conversation_set_attributes(conversation=conversation, **{CONSENT_KEY: not refused})
    room = hold_conversation(waiting_room_name(conversation))
    return [voice.talk(REFUSED_TEXT), room] if refused else [room]


def is_recorded(task: Task) -> bool:
    mode = task.queue.recording
    if mode == Queue.Recording.ALWAYS:
        return True
    return mode == Queue.Recording.CONSENT and task.conversation.attributes.get(CONSENT_KEY) is True


def record_actions(*, task: Task) -> list[ncco.Action]:
    """What an agent's leg runs before it joins the call: the split recording, if due."""
    if task.channel != "voice" or not is_recorded(task):
        return []
    return [ncco.Record(split="conversation", channels=2, event_url=webhook_url("recording"))]
