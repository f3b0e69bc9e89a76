"""The staffing page (Erlang calculator and a day's plan from history) and the calculator's
API, for supervisors (staff) only. Thin: reports.staffing answers."""

from dataclasses import asdict
from typing import Any

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.rollups import report_zone
from reports.staffing import (
    StaffingError,
    StaffingQuestion,
    staffing_needed,
    staffing_plan,
)
from routing.models import Queue


class QuestionFields(forms.Form):
    target_percent = forms.FloatField(
        label="Service level %", initial=80, min_value=0.1, max_value=99.9
    )
    target_seconds = forms.FloatField(label="within (s)", initial=20, min_value=0)
    shrinkage_percent = forms.FloatField(label="Shrinkage %", initial=30, min_value=0, max_value=99)
    patience_seconds = forms.FloatField(
        label="Mean patience (s)", required=False, min_value=1,
        help_text="Given: Erlang A (callers hang up); empty: Erlang C.",
    )  # fmt: skip

    def question(self, arrivals: float = 0, handle: float = 180) -> StaffingQuestion:
        data = self.cleaned_data
        return StaffingQuestion(
            arrivals_per_hour=data.get("arrivals_per_hour", arrivals),
            handle_seconds=data.get("handle_seconds", handle),
            target_percent=data["target_percent"],
            target_seconds=data["target_seconds"],
            shrinkage_percent=data["shrinkage_percent"],
            patience_seconds=data.get("patience_seconds"),
        )


class CalculatorForm(QuestionFields):
    arrivals_per_hour = forms.FloatField(label="Contacts per hour", initial=200, min_value=0)
    handle_seconds = forms.FloatField(label="Handle time (s)", initial=180, min_value=1)
    field_order = ["arrivals_per_hour", "handle_seconds"]


class PlanForm(QuestionFields):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    weeks = forms.IntegerField(label="from the last (weeks)", initial=4, min_value=1, max_value=52)
    interval_minutes = forms.TypedChoiceField(
        label="Interval",
        coerce=int,
        choices=[(15, "15 minutes"), (30, "30 minutes"), (60, "Hour")],
        initial=60,
    )
    queue = forms.ModelChoiceField(
        queryset=Queue.objects.order_by("name"), required=False, empty_label="All queues"
    )
    field_order = ["day", "weeks", "interval_minutes", "queue"]


def initial(form_class: type[forms.Form], **more: Any) -> dict[str, Any]:
    return {name: field.initial for name, field in form_class.base_fields.items()} | more


@staff_member_required
def staffing(request: HttpRequest) -> HttpResponse:
    """The calculator (?calculate) and the plan (?plan); each form shows its own errors."""
    context: dict[str, Any] = {"title": "Staffing"}
    calculator = CalculatorForm(
        request.GET if "calculate" in request.GET else initial(CalculatorForm)
    )
    today = timezone.localtime(timezone.now(), report_zone()).date()
    plan_form = PlanForm(request.GET if "plan" in request.GET else initial(PlanForm, day=today))
    bad = False
    if calculator.is_valid():
        try:
            context["answer"] = staffing_needed(calculator.question())
        except StaffingError as error:
            calculator.add_error(None, str(error))
    bad |= "calculate" in request.GET and not calculator.is_valid()
    if "plan" in request.GET and plan_form.is_valid():
        data = plan_form.cleaned_data
        try:
            context["plan"] = staffing_plan(
                day=data["day"],
                weeks=data["weeks"],
                interval_minutes=data["interval_minutes"],
                question=plan_form.question(),
                queue_id=data["queue"].pk if data["queue"] else None,
            )
        except StaffingError as error:
            plan_form.add_error(None, str(error))
    bad |= "plan" in request.GET and not plan_form.is_valid()
    context |= {"calculator": calculator, "plan_form": plan_form}
    return render(request, "reports/staffing.html", context, status=400 if bad else 200)


class StaffingApi(APIView):
    """POST {"arrivals_per_hour", "handle_seconds", "target_percent"?, "target_seconds"?,
    "shrinkage_percent"?, "patience_seconds"?}: the agents needed and their figures.
    Supervisors (staff) only: the project's default permission."""

    class Input(serializers.Serializer):
        arrivals_per_hour = serializers.FloatField(min_value=0)
        handle_seconds = serializers.FloatField(min_value=0.001)
        target_percent = serializers.FloatField(default=80, min_value=0.001, max_value=99.999)
        target_seconds = serializers.FloatField(default=20, min_value=0)
        shrinkage_percent = serializers.FloatField(default=30, min_value=0, max_value=99.999)
        patience_seconds = serializers.FloatField(required=False, allow_null=True, min_value=0.001)

    @extend_schema(request=Input, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request) -> Response:
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            answer = staffing_needed(StaffingQuestion(**data.validated_data))
        except StaffingError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(asdict(answer))
