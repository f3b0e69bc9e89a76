"""The project's deploy checks (callcentre.checks), called as `check --deploy` calls them."""

from callcentre.checks import vonage_signature_settings


def check_ids() -> list[str]:
    return [problem.id for problem in vonage_signature_settings(None)]


def test_configured_vonage_settings_pass(settings):
    settings.VONAGE_SIGNATURE_SECRET = "s" * 32
    settings.VONAGE_API_KEY = "abc123"

    assert check_ids() == []


def test_a_missing_api_key_fails_the_deploy_check(settings):
    settings.VONAGE_SIGNATURE_SECRET = "s" * 32
    settings.VONAGE_API_KEY = ""

    problems = vonage_signature_settings(None)

    assert [problem.id for problem in problems] == ["callcentre.E002"]
    assert problems[0].msg.startswith("VONAGE_API_KEY is not set")


def test_a_missing_signature_secret_fails_the_deploy_check(settings):
    settings.VONAGE_SIGNATURE_SECRET = ""
    settings.VONAGE_API_KEY = "abc123"

    assert check_ids() == ["callcentre.E001"]
