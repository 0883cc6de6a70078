"""When the database is unreachable, answer 503 "temporarily unavailable", not a 500.

A database restart, a failover or a network blip is not a bug in the page: readers get
a plain page that says so, API clients a JSON error with the same status, and both a
Retry-After. Nothing is kept between requests: Django drops the broken connection at the
end of the request and connects afresh for the next one, so the site recovers by itself
as soon as the database is back.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

MESSAGE = "The archive is temporarily unavailable. Please try again in a minute."
RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Turn connection-level database errors raised by a view into a 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        # OperationalError and InterfaceError are the connection failing (refused, reset,
        # closed, server shutting down); IntegrityError, DataError and ProgrammingError
        # are bugs or bad data and stay 500s.
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("database unavailable for %s: %s", request.path, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse({"errors": {"database": [MESSAGE]}}, status=503)
        else:
            # Rendered without touching the database: base.html needs none.
            response = HttpResponse(render_to_string("503.html", request=request), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
