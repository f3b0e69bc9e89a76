from agents.models import Agent


def agent_for_vonage_user(*, vonage_user: str) -> Agent | None:
    return Agent.objects.filter(vonage_user=vonage_user).first()
