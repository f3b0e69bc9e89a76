from ai.classifier import NO_INTENT, Classifier
from ai.tests.helpers import demo_pipeline_bytes


def classifier() -> Classifier:
    return Classifier.from_bytes(demo_pipeline_bytes())


def test_sarahs_words_are_a_billing_dispute():
    prediction = classifier().classify("I have a problem with my bill")

    assert prediction.intent == "BILLING_DISPUTE"
    assert prediction.confidence > 0.5
    assert abs(sum(prediction.scores.values()) - 1) < 1e-6


def test_phrases_it_was_not_trained_on_find_their_intent():
    found = {
        phrase: classifier().classify(phrase).intent
        for phrase in (
            "my router keeps dropping the connection",
            "I'd like to pay my balance by card",
            "please cancel my account",
        )
    }

    assert found == {
        "my router keeps dropping the connection": "TECH_SUPPORT",
        "I'd like to pay my balance by card": "PAYMENT",
        "please cancel my account": "CANCEL",
    }


def test_words_that_name_no_intent_are_no_intent():
    assert classifier().classify("good morning").intent == NO_INTENT
    assert classifier().classify("   ").intent == NO_INTENT


def test_a_stored_classifier_answers_as_the_one_trained():
    trained = classifier()
    stored = Classifier.from_bytes(trained.to_bytes())

    assert (
        stored.classify("why is my bill so high").scores
        == trained.classify("why is my bill so high").scores
    )
