import factory
from django.contrib.auth import get_user_model

from agents.models import Agent, AwayReason


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("name")
    vonage_user = factory.Sequence(lambda n: f"agent-{n}")


def away_reasons(*codes: str) -> list[AwayReason]:
    """The away reasons by these codes, made active if a transactional test's flush removed
    the ones the migration seeds."""
    return [
        AwayReason.objects.update_or_create(
            code=code, defaults={"label": code.capitalize(), "is_active": True}
        )[0]
        for code in codes
    ]
