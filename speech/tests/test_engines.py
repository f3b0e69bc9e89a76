"""The engines behind speech.engines: the offline default on espeak-ng's voice, the cloud
engine chosen by setting against a local server speaking Deepgram's protocol."""

import pytest

from speech import engines
from speech.engines.deepgram import DeepgramRecogniser
from speech.engines.sphinx import SphinxRecogniser
from speech.streams import transcribe
from speech.tests.helpers import fake_deepgram, needs_espeak, silence, spoken, tone, words


@needs_espeak
def test_pocketsphinx_hears_words_of_a_spoken_phrase_with_their_times():
    audio = silence(0.5) + spoken("I have a problem with my bill") + silence(1.0)

    utterances = transcribe(audio, engine="pocketsphinx")

    assert len(utterances) == 1
    heard = utterances[0]
    assert "problem" in words(heard.text)
    assert 0.2 <= heard.started_at <= 0.8
    assert heard.started_at < heard.ended_at <= len(audio) / 32000
    assert heard.confidence is not None and 0 < heard.confidence <= 1


@needs_espeak
def test_words_still_being_said_when_the_stream_ends_are_kept():
    audio = silence(0.3) + spoken("I have a problem with my bill")

    utterances = transcribe(audio + b"\0", engine="pocketsphinx")  # half a sample too

    assert len(utterances) == 1
    assert "problem" in words(utterances[0].text)
    assert utterances[0].ended_at == pytest.approx(len(audio) / 32000, abs=0.05)


def test_silence_gives_no_utterance():
    assert transcribe(silence(2.0), engine="pocketsphinx") == []


def test_the_default_engine_is_pocketsphinx(settings):
    settings.SPEECH_ENGINE = "pocketsphinx"
    recogniser = engines.open_stream()
    assert isinstance(recogniser, SphinxRecogniser)
    recogniser.finish()


def test_the_setting_selects_deepgram_which_transcribes_through_its_protocol(settings):
    settings.SPEECH_ENGINE = "deepgram"
    settings.DEEPGRAM_API_KEY = "dg-test-key"
    audio = silence(0.5) + tone(1.0) + silence(0.6) + tone(0.8) + silence(0.5)
    with fake_deepgram(
        api_key="dg-test-key", transcripts=["I have a problem with my bill.", "Thank you."]
    ) as fake:
        settings.DEEPGRAM_URL = fake.url
        recogniser = engines.open_stream()
        assert isinstance(recogniser, DeepgramRecogniser)
        assert recogniser.finish() == []

        utterances = transcribe(audio)

    assert [u.text for u in utterances] == ["I have a problem with my bill.", "Thank you."]
    assert [u.started_at for u in utterances] == [0.5, 2.1]
    assert [u.ended_at for u in utterances] == [1.5, 2.9]
    assert {u.confidence for u in utterances} == {0.93}
    assert fake.received_bytes == len(audio)
    assert fake.queries[-1]["model"] == [settings.DEEPGRAM_MODEL]


def test_deepgram_with_a_wrong_key_is_unavailable(settings):
    settings.SPEECH_ENGINE = "deepgram"
    settings.DEEPGRAM_API_KEY = "not-the-key"
    with fake_deepgram(api_key="dg-test-key", transcripts=[]) as fake:
        settings.DEEPGRAM_URL = fake.url
        with pytest.raises(engines.EngineUnavailable, match="could not open a Deepgram stream"):
            engines.open_stream()
    assert fake.refused == 1


def test_deepgram_without_a_key_is_unavailable(settings):
    settings.SPEECH_ENGINE = "deepgram"
    settings.DEEPGRAM_API_KEY = ""
    with pytest.raises(engines.EngineUnavailable, match="DEEPGRAM_API_KEY is not set"):
        engines.open_stream()


def test_an_unknown_engine_is_refused_with_the_choices(settings):
    settings.SPEECH_ENGINE = "whisper"
    with pytest.raises(engines.EngineUnavailable, match="choose one of pocketsphinx, deepgram"):
        engines.open_stream()
