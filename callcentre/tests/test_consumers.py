"""What every screen's websocket does before it pushes anything (callcentre.consumers)."""

import pytest

from callcentre.tests.websockets import REFUSED_IN_HANDSHAKE, refusal_of, screen_socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/", "/elsewhere"])
def test_a_path_no_screen_serves_is_closed_with_4404(path):
    assert refusal_of(screen_socket(path)) == 4404


def test_a_foreign_origin_is_still_refused_in_the_handshake():
    communicator = screen_socket("/ws/nothing/")
    communicator.scope["headers"] = [(b"origin", b"https://evil.example")]

    assert refusal_of(communicator) == REFUSED_IN_HANDSHAKE
