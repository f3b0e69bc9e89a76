"""The survey end to end with the Vonage sandbox: a caller reaches Bob, talks, hangs up, gets
the survey by SMS on the sandbox's phone, answers 5, and the centre keeps the score; the
delivery reports of the survey come back through the status webhook."""

import pytest

from callcentre.tests.helpers import agent_client, wait_until
from conversations.models import Message
from reports.models import SatisfactionSurvey
from routing.models import Offer
from routing.tests.factories import available_agent
from sandbox.tests.helpers import CALLER, CENTRE, CallerInBackground

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_caller_answers_the_survey_texted_after_the_call(
    project_sandbox,
    billing_menu,
    billing_skill,
):
    sandbox = project_sandbox(app_answer_delay=0.5)
    bob = available_agent("Bob", skills={billing_skill: 8})
    caller = CallerInBackground(sandbox, "billing_reaches_an_agent.yaml")
    offer = wait_until(lambda: Offer.objects.filter(state=Offer.State.PENDING).first(), timeout=20)
    assert agent_client(bob).post(f"/api/agent/offers/{offer.pk}/accept").status_code == 200
    caller.finish()

    def survey_on_the_phone() -> dict | None:
        texts = [m for m in sandbox.control.messages(CALLER) if m["direction"] == "outbound"]
        return texts[0] if texts else None

    texted = wait_until(survey_on_the_phone, timeout=20)
    assert "How did we do today?" in texted["text"]
    assert (texted["to"], texted["from"]) == (CALLER, CENTRE)
    reply = sandbox.control.send_message(
        channel="sms", from_number=CALLER, to_number=CENTRE, text="5"
    )

    survey = wait_until(
        lambda: SatisfactionSurvey.objects.filter(state="answered").first(), timeout=10
    )
    assert (survey.score, survey.agent, survey.number) == (5, bob, CALLER)
    assert survey.answer.vonage_message_uuid == reply["message_uuid"]
    question = wait_until(
        lambda: Message.objects.filter(pk=survey.question_id, status="delivered").first(),
        timeout=10,
    )
    assert question.text == texted["text"]
    assert [
        m["webhook_status"] for m in sandbox.control.messages(CALLER) if m["direction"] == "inbound"
    ] == [200]
