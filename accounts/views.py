"""Password reset by email, only where the centre can send email."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def password_reset_available() -> bool:
    """An email backend is configured: SMTP with a host, or any other backend."""
    return settings.EMAIL_BACKEND != SMTP_BACKEND or bool(settings.EMAIL_HOST)


def when_email_is_configured(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """The view where email can be sent; elsewhere a page that says so (404), rather than a
    form that says "we've emailed you" while nothing can be sent."""

    def gated(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if password_reset_available():
            return view(request, *args, **kwargs)
        return render(request, "accounts/password_reset_unavailable.html", status=404)

    return gated
