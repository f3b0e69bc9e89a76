"""The supervisors' filters on the call detail records list (django-filter): a date range,
channel, queue, agent and outcome, as on the conversation list (conversations.filters)."""

import django_filters

from conversations.models import Channel
from reports.models import CallDetailRecord


class CallRecordFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__gte", help_text="Started on or after (a day)"
    )
    date_to = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__lte", help_text="Started on or before (a day)"
    )
    channel = django_filters.ChoiceFilter(
        field_name="conversation__channel", choices=Channel.choices
    )
    queue = django_filters.NumberFilter(field_name="queue", help_text="The queue (id)")
    agent = django_filters.NumberFilter(field_name="agent", help_text="The agent (id)")
    outcome = django_filters.CharFilter(help_text="answered, abandoned, overflowed, ...")

    class Meta:
        model = CallDetailRecord
        fields = ["date_from", "date_to", "channel", "queue", "agent", "outcome"]
