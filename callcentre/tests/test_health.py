import pytest

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_every_part_answers(client, settings):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert body["redis"] in ("ok", "not configured (local memory)")


def test_healthz_names_redis_when_it_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["redis"] == "down: ConnectionError"
    assert response.json()["database"] == "ok"


def test_healthz_names_the_broker_when_it_is_down(client, settings):
    from callcentre.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original

    assert response.status_code == 503
    assert response.json()["broker"].startswith("down")


def test_healthz_names_the_database_when_it_is_down(client, database_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "down: OperationalError"
