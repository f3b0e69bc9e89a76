"""Agent assist on the desktop: the used/dismissed buttons. An agent reaches only the
suggestions of contacts offered to them or held by them."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from ai import assist
from ai.models import Suggestion
from desktop.api import ContactActionApi, request_agent
from routing.selectors import agent_conversation_ids


class SuggestionDecideApi(ContactActionApi):
    """POST .../suggestions/<id>/used or /dismissed: once; a second answer is a 409."""

    used = True

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request: Request, suggestion_id: int) -> Response:
        agent = request_agent(request)
        suggestion = Suggestion.objects.filter(
            pk=suggestion_id, conversation_id__in=agent_conversation_ids(agent=agent)
        ).first()
        if suggestion is None:
            raise NotFound("No such suggestion on a contact of yours.")
        suggestion = assist.suggestion_decide(suggestion=suggestion, agent=agent, used=self.used)
        return Response(assist.suggestion_payload(suggestion), status=status.HTTP_200_OK)


class SuggestionUsedApi(SuggestionDecideApi):
    used = True


class SuggestionDismissedApi(SuggestionDecideApi):
    used = False
