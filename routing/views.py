"""Supervisor pages of the routing engine, inside the admin's look."""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from routing.dry_run import routing_dry_run
from routing.models import Queue, Skill


class DryRunForm(forms.Form):
    queue = forms.ModelChoiceField(queryset=Queue.objects.filter(is_active=True))
    channel = forms.ChoiceField(
        choices=[
            ("voice", "Voice"),
            ("sms", "SMS"),
            ("whatsapp", "WhatsApp"),
            ("webchat", "Web chat"),
        ]
    )
    priority_boost = forms.IntegerField(initial=0, min_value=0, max_value=100)
    extra_skill = forms.ModelChoiceField(queryset=Skill.objects.all(), required=False)
    at = forms.DateTimeField(
        required=False,
        help_text="When the contact arrives (for opening hours); empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


@staff_member_required
def dry_run(request: HttpRequest) -> HttpResponse:
    form = DryRunForm(request.POST or None)
    result = (
        routing_dry_run(**form.cleaned_data)
        if request.method == "POST" and form.is_valid()
        else None
    )
    context = {
        **admin.site.each_context(request),
        "title": "Routing dry run",
        "form": form,
        "result": result,
    }
    return render(request, "routing/dry_run.html", context)
