from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.models import ApiToken
from accounts.services import api_token_create

NEW_KEY_ATTRIBUTE = "new_api_token_key"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created (the key is shown on that page, once) and deleted; never edited."""

    list_display = ["prefix", "user", "name", "created"]
    search_fields = ["user__username", "name", "prefix"]
    fields = ["user", "name"]
    autocomplete_fields = ["user"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ApiToken, form: ModelForm, change: bool
    ) -> None:
        token, key = api_token_create(user=obj.user, name=obj.name)
        obj.pk, obj.prefix, obj.created = token.pk, token.prefix, token.created
        setattr(request, NEW_KEY_ATTRIBUTE, key)  # for response_add, this request only

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        # Shown in this response and nowhere else: not in a message (kept in a cookie or
        # the session until read), not in the list, not in the database.
        context = {
            **self.admin_site.each_context(request),
            "title": "API token created",
            "token": obj,
            "key": getattr(request, NEW_KEY_ATTRIBUTE),
            "opts": self.model._meta,
        }
        response: HttpResponse = TemplateResponse(
            request, "accounts/api_token_created.html", context
        )
        response["Cache-Control"] = "no-store"
        return response
