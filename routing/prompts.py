"""What callers hear: the NCCO pieces that the IVR and the routing engine share.

Every piece takes the Voice to speak with (a menu's language and style), so a
caller who chose a Spanish menu keeps hearing Spanish through the closed,
overflow, voicemail and hold messages.
"""

from dataclasses import dataclass

from django.conf import settings
from django.templatetags.static import static

from callcentre.vonage import ncco
from routing.models import IvrMenu, IvrOption

KEY_NAMES = {"*": "star", "#": "hash"}

CALLBACK_CONFIRMATION = "We'll call you back as soon as an agent is free. Goodbye."
# The key a waiting caller presses to keep their place and be called back.
CALLBACK_KEY = "1"
KEPT_PLACE_CONFIRMATION = (
    "We'll keep your place in the queue and call you back when it's your turn. Goodbye."
)
ALMOST_THERE = "An agent is about to take your call. Please hold."
# How long a waiting caller has to press the callback key after the announcement.
CALLBACK_KEY_SECONDS = 5


@dataclass(frozen=True, kw_only=True)
class Voice:
    language: str | None = None
    style: int = 0

    def talk(self, text: str, *, barge_in: bool | None = None) -> ncco.Talk:
        # Style 0 is Vonage's default: leave it out of the NCCO.
        return ncco.Talk(
            text=text, barge_in=barge_in, language=self.language, style=self.style or None
        )


def default_voice() -> Voice:
    return Voice(language=settings.IVR_LANGUAGE)


def menu_voice(menu: IvrMenu) -> Voice:
    return Voice(language=menu.language, style=menu.voice_style)


def webhook_url(name: str) -> str:
    return f"{settings.PUBLIC_URL}/webhooks/{name}"


def hold_music_url() -> str:
    return f"{settings.PUBLIC_URL}{static('audio/hold.wav')}"


def sentence(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part and part.strip())


def voicemail_actions(*, apology: str, voice: Voice | None = None) -> list[ncco.Action]:
    """Take a message: also the safe answer when anything else fails."""
    voice = voice or Voice()
    return [
        voice.talk(sentence(apology, "Please leave a message after the tone, then press hash.")),
        ncco.Record(
            end_on_key="#",
            beep_start=True,
            timeout=120,
            event_url=webhook_url("recording"),
        ),
        voice.talk("Thank you for your message. Goodbye."),
    ]


def hold_actions(
    *, queue_name: str, waiting_room: str, voice: Voice, introduction: str = "Thank you."
) -> list[ncco.Action]:
    """The caller waits in a named conversation with music until an agent joins it."""
    return [
        voice.talk(sentence(introduction, f"Connecting you to {queue_name}. Please hold.")),
        hold_conversation(waiting_room),
    ]


def hold_conversation(waiting_room: str) -> ncco.Conversation:
    """The waiting room: music until the agent joins with startOnEnter.

    endOnExit: when the caller leaves (hangs up), the conversation ends and Vonage ends the
    agents' legs in it, whose NCCO has nothing after it; nobody sits on in an empty call.
    """
    return ncco.Conversation(
        name=waiting_room,
        music_on_hold_url=hold_music_url(),
        start_on_enter=False,
        end_on_exit=True,
        event_url=webhook_url("event"),
    )


def spoken_wait(seconds: int) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return "less than a minute"
    return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"


def wait_announcement(
    *, position: int, estimated_wait_seconds: int | None, offers_callback: bool
) -> str:
    """What a caller on hold hears every announce interval."""
    place = (
        "You are next in the queue."
        if position == 1
        else f"You are number {position} in the queue."
    )
    wait = (
        f"Your estimated wait is {spoken_wait(estimated_wait_seconds)}."
        if estimated_wait_seconds is not None
        else ""
    )
    callback = (
        f"To keep your place and have us call you back, press {key_name(CALLBACK_KEY)}."
        if offers_callback
        else ""
    )
    return sentence(place, wait, callback, "" if offers_callback else "Please hold.")


def announcement_actions(
    *, text: str, waiting_room: str, voice: Voice, offers_callback: bool
) -> list[ncco.Action]:
    """Said to a caller taken out of the waiting room, who then goes back into it.

    With a callback on offer the talk can be interrupted by a key, and an input listens for
    it: its event (the input webhook) answers with what happens next; without a key the
    caller goes straight back (routing.waiting.waiting_input).
    """
    if not offers_callback:
        return [voice.talk(text), hold_conversation(waiting_room)]
    return [
        voice.talk(text, barge_in=True),
        ncco.Input(
            type=["dtmf"],
            dtmf=ncco.DtmfSettings(max_digits=1, timeout=CALLBACK_KEY_SECONDS),
            event_url=webhook_url("event"),
        ),
        hold_conversation(waiting_room),
    ]


def back_to_hold_actions(*, waiting_room: str, voice: Voice, text: str = "") -> list[ncco.Action]:
    said = [voice.talk(text)] if text else []
    return [*said, hold_conversation(waiting_room)]


def callback_actions(*, introduction: str = "", voice: Voice) -> list[ncco.Action]:
    return [voice.talk(sentence(introduction, CALLBACK_CONFIRMATION))]


def message_actions(*, message: str, voice: Voice) -> list[ncco.Action]:
    """Say the message; the call ends with the NCCO."""
    return [voice.talk(message)]


def key_name(digit: str) -> str:
    return KEY_NAMES.get(digit, digit)


def options_prompt(options: list[IvrOption]) -> str:
    return " ".join(f"{option.prompt}, press {key_name(option.digit)}." for option in options)


def option_keywords(option: IvrOption) -> list[str]:
    return [keyword.strip() for keyword in option.keywords.split(",") if keyword.strip()]


def intent_question_actions(*, menu: IvrMenu, introduction: str) -> list[ncco.Action]:
    """The menu's open question ("How can we help you today?"), answered in words: the
    classifier (ai) turns them into an intent (routing.ivr_intents). A caller who knows the
    menu's keys may press one instead."""
    voice = menu_voice(menu)
    return [
        voice.talk(sentence(introduction, menu.intent_question), barge_in=True),
        ncco.Input(
            type=["dtmf", "speech"],
            dtmf=ncco.DtmfSettings(max_digits=1, timeout=menu.input_timeout_seconds),
            speech=ncco.SpeechSettings(
                language=menu.language,
                end_on_silence=1.5,
                start_timeout=menu.input_timeout_seconds,
                max_duration=15,
            ),
            event_url=webhook_url("event"),
        ),
    ]


def menu_actions(
    *, menu: IvrMenu, options: list[IvrOption], introduction: str
) -> list[ncco.Action]:
    """The options (after an introduction) and the input that listens for a key or a word."""
    voice = menu_voice(menu)
    context = [keyword for option in options for keyword in option_keywords(option)]
    return [
        voice.talk(sentence(introduction, options_prompt(options)), barge_in=True),
        ncco.Input(
            type=["dtmf", "speech"],
            dtmf=ncco.DtmfSettings(max_digits=1, timeout=menu.input_timeout_seconds),
            speech=ncco.SpeechSettings(
                language=menu.language, context=context or None, end_on_silence=1.5
            ),
            event_url=webhook_url("event"),
        ),
    ]
