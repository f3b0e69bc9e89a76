"""The supervisors' filters on the conversation list (django-filter): a date range, channel,
queue, agent and outcome (`?date_from=2026-12-01&date_to=2026-12-06&channel=voice&queue=2`)."""

import django_filters

from conversations.models import Channel, Conversation


class ConversationFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__gte", help_text="Started on or after (a day)"
    )
    date_to = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__lte", help_text="Started on or before (a day)"
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    queue = django_filters.NumberFilter(
        field_name="tasks__queue", distinct=True, help_text="Queued in this queue (id)"
    )
    agent = django_filters.NumberFilter(
        field_name="tasks__agent", distinct=True, help_text="Handled by this agent (id)"
    )
    outcome = django_filters.CharFilter(
        field_name="cdr__outcome", help_text="The call detail record's outcome (answered, ...)"
    )

    class Meta:
        model = Conversation
        fields = ["date_from", "date_to", "channel", "queue", "agent", "outcome"]
