from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from ai import services
from ai.models import (
    AssistRule,
    CallSummary,
    Intent,
    IntentModel,
    KnowledgeArticle,
    Suggestion,
    Utterance,
)
from callcentre.admin import RecordAdmin


@admin.register(Intent)
class IntentAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "queue", "skill", "min_proficiency", "threshold", "is_active"]
    list_filter = ["is_active", "queue"]
    search_fields = ["name", "label", "examples"]
    actions = ["train_now"]
    fieldsets = [
        (None, {"fields": ["name", "label", "is_active", "examples"]}),
        (
            "Routing",
            {"fields": ["queue", "skill", "min_proficiency", "priority_boost", "threshold"]},
        ),
    ]

    @admin.action(description="Train the classifier again now")
    def train_now(self, request: HttpRequest, queryset: QuerySet[Intent]) -> None:
        model = services.intents_train()
        if model is None:
            self.message_user(request, "No active intent: nothing to train.", messages.WARNING)
        else:
            self.message_user(request, f"{model} is in use now.")


@admin.register(IntentModel)
class IntentModelAdmin(RecordAdmin):
    list_display = ["pk", "created_at", "examples", "training_seconds", "library_version"]
    exclude = ["pipeline"]


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "url"]
    search_fields = ["title", "body"]


@admin.register(AssistRule)
class AssistRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "intent", "keywords", "sentiment_at_most", "kind", "text", "is_active"]
    list_filter = ["is_active", "kind", "intent"]
    search_fields = ["name", "text", "keywords"]


@admin.register(Suggestion)
class SuggestionAdmin(RecordAdmin):
    list_display = ["conversation", "text", "state", "agent", "created_at", "decided_at"]
    list_filter = ["state", "kind"]


@admin.register(Utterance)
class UtteranceAdmin(RecordAdmin):
    list_display = ["conversation", "speaker", "source", "text", "sentiment", "created_at"]
    list_filter = ["source", "speaker"]


@admin.register(CallSummary)
class CallSummaryAdmin(RecordAdmin):
    list_display = ["conversation", "sentiment_label", "sentiment_average", "crm_written_at"]
