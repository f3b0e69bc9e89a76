from ai import sentiment


def test_sarahs_words_are_negative_and_thanks_positive():
    assert sentiment.score("I have a problem with my bill") == -0.4019
    assert sentiment.label(sentiment.score("I have a problem with my bill")) == "negative"
    assert sentiment.label(sentiment.score("Thanks, that is great")) == "positive"
    assert sentiment.label(sentiment.score("I am calling about my account")) == "neutral"
    assert sentiment.score("") == 0.0


def test_the_running_score_follows_the_latest_words_halfway():
    assert sentiment.running(None, -0.4) == -0.4
    assert sentiment.running(-0.4, 0.8) == 0.2
    assert sentiment.label(None) == ""
