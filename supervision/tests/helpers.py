"""Shared by supervision's tests: a supervisor's browser session."""

from django.test import Client

from agents.tests.factories import UserFactory


def supervisor_session(username: str = "sam") -> Client:
    client = Client()
    client.force_login(UserFactory(username=username, is_staff=True))
    return client
