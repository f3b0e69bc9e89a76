"""Who may read what: the access helpers the views use."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from conversations.models import Conversation, Recording
from conversations.selectors import recording_get_for_user

pytestmark = pytest.mark.django_db


def test_nobody_logged_in_gets_no_recording():
    conversation = Conversation.objects.create(channel="voice", started_at=timezone.now())
    recording = Recording.objects.create(
        conversation=conversation,
        recording_uuid="rec-1",
        vonage_url="https://api.nexmo.com/x",
        file="recordings/rec-1.mp3",
    )

    with pytest.raises(Http404):
        recording_get_for_user(user=AnonymousUser(), recording_id=recording.pk)
