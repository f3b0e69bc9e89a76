from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.selectors import live_board


class LiveBoardApi(APIView):
    """The live dashboard's state, for supervisors (staff) only: the project's default."""

    def get(self, request: Request) -> Response:
        return Response(live_board())
