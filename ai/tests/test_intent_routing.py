"""Sarah's call: the menu asks how it can help, her words route her by intent (issue 15)."""

import pytest

from ai.models import Utterance
from ai.tests.helpers import demo_setup
from routing.models import Offer, Task, TaskSkill
from routing.tests.factories import IvrMenuFactory, IvrOptionFactory, available_agent
from routing.tests.ivr_calls import IvrCall, actions, texts

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "How can we help you today?"


@pytest.fixture
def demo():
    queues, skills = demo_setup()  # the intents' classifier is trained as they commit
    menu = IvrMenuFactory(
        name="Main", is_entry=True, greeting="Thank you for calling.", intent_question=QUESTION
    )
    IvrOptionFactory(menu=menu, digit="1", prompt="For sales", queue=queues["Sales"])
    IvrOptionFactory(menu=menu, digit="2", prompt="For billing", queue=queues["Billing"])
    return queues, skills


def test_the_menu_opens_with_the_question_answered_in_words(vonage, demo):
    ncco = IvrCall(vonage).answer()

    assert texts(ncco) == [f"Thank you for calling. {QUESTION}"]
    assert actions(ncco) == ["talk", "input"]
    assert ncco[1]["type"] == ["dtmf", "speech"]
    assert ncco[1]["speech"]["language"] == "en-US"


def test_sarah_says_her_bill_is_wrong_and_a_senior_billing_agent_is_offered_her_call(
    vonage, demo, client
):
    queues, skills = demo
    # Dave has waited longest but his billing (6) is below the intent's minimum (7).
    dave = available_agent("Dave", skills={skills["billing"]: 6}, idle_minutes=30)
    bob = available_agent("Bob", skills={skills["billing"]: 8}, idle_minutes=5)
    call = IvrCall(vonage)
    call.answer()

    ncco = call.say("I have a problem with my bill")

    assert texts(ncco) == ["Thank you. Connecting you to Billing. Please hold."]
    conversation = call.conversation
    assert (conversation.intent, round(conversation.intent_confidence, 1) > 0.5) == (
        "BILLING_DISPUTE",
        True,
    )
    assert conversation.sentiment == -0.4019
    [heard] = conversation.attributes["speech"]
    assert (heard["text"], heard["confidence"], heard["intent"]) == (
        "I have a problem with my bill",
        0.91,
        "BILLING_DISPUTE",
    )
    assert call.ivr["choices"][-1]["intent"] == "BILLING_DISPUTE"
    task = Task.objects.get(conversation=conversation)
    assert (task.queue, task.priority, task.attributes["intent"]) == (
        queues["Billing"],
        5,
        "BILLING_DISPUTE",
    )
    assert sorted(
        (skill.skill.name, skill.min_proficiency)
        for skill in TaskSkill.objects.filter(group__task=task)
    ) == [("billing", 7)]
    assert Offer.objects.get(task=task).agent == bob
    assert not Offer.objects.filter(agent=dave).exists()
    assert Utterance.objects.get(conversation=conversation).source == "speech"

    client.force_login(bob.user)
    [offer] = client.get("/api/agent/").json()["offers"]
    assist = offer["assist"]
    assert (assist["intent_label"], assist["sentiment_label"]) == ("Billing dispute", "negative")
    assert [(item["kind"], item["text"]) for item in assist["suggestions"]] == [
        ("action", "Offer goodwill credit"),
        (
            "reply",
            "I'm sorry about this. I understand how frustrating it is, and I'll sort it out.",
        ),
    ]
    assert assist["suggestions"][0]["article_url"].endswith("/billing/goodwill-credit")


def test_words_it_is_not_sure_of_give_the_keypad_menu(vonage, demo):
    queues, _ = demo
    call = IvrCall(vonage)
    call.answer()

    ncco = call.say("good morning")

    assert texts(ncco) == ["Sorry, I didn't understand. For sales, press 1. For billing, press 2."]
    assert ncco[-1]["type"] == ["dtmf", "speech"]
    assert call.conversation.intent == ""
    assert not Task.objects.exists()
    # The keypad answer then routes as any menu does.
    assert texts(call.press("2")) == ["Thank you. Connecting you to Billing. Please hold."]
    assert Task.objects.get().queue == queues["Billing"]


def test_below_its_threshold_an_intent_does_not_route(vonage, demo):
    from ai.models import Intent

    Intent.objects.filter(name="BILLING_DISPUTE").update(threshold=0.99)
    call = IvrCall(vonage)
    call.answer()

    ncco = call.say("I have a problem with my bill")

    assert "For sales, press 1. For billing, press 2." in texts(ncco)[0]
    assert call.conversation.intent == ""
    assert call.conversation.attributes["speech"][0]["intent"] == "BILLING_DISPUTE"
    assert not Task.objects.exists()


def test_a_caller_may_press_a_key_instead_of_answering(vonage, demo):
    queues, _ = demo
    call = IvrCall(vonage)
    call.answer()

    assert texts(call.press("1")) == ["Thank you. Connecting you to Sales. Please hold."]
    assert Task.objects.get().queue == queues["Sales"]


def test_without_a_trained_model_the_caller_gets_the_keypad_menu(vonage, demo):
    from ai.models import IntentModel

    IntentModel.objects.all().delete()
    call = IvrCall(vonage)
    call.answer()

    ncco = call.say("I have a problem with my bill")

    assert "For sales, press 1. For billing, press 2." in texts(ncco)[0]
    assert not Task.objects.exists()
