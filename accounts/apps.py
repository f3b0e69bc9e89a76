from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from accounts.throttling import audit_lockout

        # django-axes tells of a lockout only through this signal.
        user_locked_out.connect(audit_lockout, dispatch_uid="accounts.audit_lockout")
