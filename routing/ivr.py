"""The main IVR menu: what a caller hears on arrival and where their choice takes them.

Pure decisions: these functions read the configuration and return NCCO
actions; recording the outcome is the caller's job (conversations.services).
"""

from dataclasses import dataclass

from django.conf import settings
from django.templatetags.static import static

from callcentre.vonage import ncco
from routing.models import Queue
from routing.selectors import menu_queues


class Outcome:
    QUEUE = "queue"
    RETRY = "retry"
    VOICEMAIL = "voicemail"


@dataclass(frozen=True, kw_only=True)
class IvrDecision:
    outcome: str
    actions: list[ncco.Action]
    queue: Queue | None = None


def webhook_url(name: str) -> str:
    return f"{settings.PUBLIC_URL}/webhooks/{name}"


def hold_music_url() -> str:
    return f"{settings.PUBLIC_URL}{static('audio/hold.wav')}"


def voicemail_actions(*, apology: str) -> list[ncco.Action]:
    """Take a message: also the safe answer when anything else fails."""
    return [
        ncco.Talk(text=f"{apology} Please leave a message after the tone, then press hash."),
        ncco.Record(
            end_on_key="#",
            beep_start=True,
            timeout=120,
            event_url=webhook_url("recording"),
        ),
        ncco.Talk(text="Thank you for your message. Goodbye."),
    ]


def menu_prompt(queues: list[Queue]) -> str:
    options = " ".join(
        f"{queue.menu_prompt or 'For ' + queue.name}, press {queue.menu_digit}." for queue in queues
    )
    return options


def menu_actions(*, introduction: str, queues: list[Queue]) -> list[ncco.Action]:
    return [
        ncco.Talk(
            text=f"{introduction} {menu_prompt(queues)}".strip(),
            barge_in=True,
            language=settings.IVR_LANGUAGE,
        ),
        ncco.Input(
            type=["dtmf", "speech"],
            dtmf=ncco.DtmfSettings(max_digits=1, timeout=5),
            speech=ncco.SpeechSettings(
                language=settings.IVR_LANGUAGE,
                context=[queue.name for queue in queues],
                end_on_silence=1.5,
            ),
            event_url=webhook_url("event"),
        ),
    ]


def ivr_entry() -> list[ncco.Action]:
    queues = menu_queues()
    if not queues:
        return voicemail_actions(apology=f"Thank you for calling {settings.CALL_CENTRE_NAME}.")
    return menu_actions(
        introduction=f"Thank you for calling {settings.CALL_CENTRE_NAME}.", queues=queues
    )


def match_queue(*, queues: list[Queue], digits: str, speech: str) -> Queue | None:
    for queue in queues:
        if digits and digits[:1] == queue.menu_digit:
            return queue
    spoken = speech.lower()
    for queue in queues:
        if spoken and queue.name.lower() in spoken:
            return queue
    return None


def ivr_choose(*, digits: str, speech: str, attempt: int, waiting_room: str) -> IvrDecision:
    """Decide on the caller's answer to the menu; `attempt` counts from 1."""
    queues = menu_queues()
    queue = match_queue(queues=queues, digits=digits, speech=speech)
    if queue is not None:
        return IvrDecision(
            outcome=Outcome.QUEUE,
            queue=queue,
            actions=queue_hold_actions(queue=queue, waiting_room=waiting_room),
        )
    if attempt < settings.IVR_MAX_ATTEMPTS and queues:
        heard = (
            "Sorry, that is not one of the options."
            if digits or speech
            else "Sorry, I didn't catch that."
        )
        return IvrDecision(
            outcome=Outcome.RETRY, actions=menu_actions(introduction=heard, queues=queues)
        )
    return IvrDecision(
        outcome=Outcome.VOICEMAIL, actions=voicemail_actions(apology="Sorry we could not help you.")
    )


def queue_hold_actions(*, queue: Queue, waiting_room: str) -> list[ncco.Action]:
    """The caller waits in a named conversation with music until an agent joins it."""
    return [
        ncco.Talk(
            text=f"Thank you. Connecting you to {queue.name}. Please hold.",
            language=settings.IVR_LANGUAGE,
        ),
        ncco.Conversation(
            name=waiting_room,
            music_on_hold_url=hold_music_url(),
            start_on_enter=False,
            event_url=webhook_url("event"),
        ),
    ]
