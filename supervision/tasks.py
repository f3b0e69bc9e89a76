"""Supervision's Celery tasks: thin, one service call each."""

from celery import shared_task

from supervision import alerts, monitoring, reconciliation


@shared_task(name="supervision.evaluate_alerts")
def evaluate_alerts() -> tuple[int, int]:
    return alerts.alerts_evaluate()


@shared_task(name="supervision.notify_on_call")
def notify_on_call(alert_id: int) -> list[str]:
    return alerts.alert_notify(alert_id=alert_id)


@shared_task(name="supervision.close_monitoring")
def close_monitoring() -> int:
    return monitoring.sessions_close_ended()


@shared_task(name="supervision.reconcile_yesterday")
def reconcile_yesterday() -> int | None:
    run = reconciliation.reconcile_yesterday()
    return run.pk if run else None
