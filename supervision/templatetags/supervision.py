from django import template

from agents.models import AwayReason
from agents.selectors import away_reasons_active

register = template.Library()


@register.simple_tag
def away_reasons() -> list[AwayReason]:
    """The active away reasons, for the dashboard's presence form."""
    return away_reasons_active()
