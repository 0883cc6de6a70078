"""Error responses that say what went wrong: a page for readers, JSON for API clients.

Django's own error views answer everyone with a bare HTML page ("Bad Request (400)").
Pages get templates/400.html, 404.html and 500.html, which explain in a sentence; API
clients get the shape the API already uses for invalid parameters (articles/api.py) and
the middleware for an unreachable database: {"errors": {field: [message, ...]}}.

The 400 and 404 pages are rendered without the request: it may be what is broken (with
more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters, reading request.GET raises again), and
base.html's search box reads request.GET. Both pages work without it.
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest, HttpResponseNotFound, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

API_PREFIX = "/api/"
API_ENDPOINTS = "/api/articles/ and /api/entities/"


def _for_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request, exception):
    if _for_api(request):
        message = (
            "The request could not be read: a malformed header, too many parameters "
            "or a body too large."
        )
        return JsonResponse({"errors": {"request": [message]}}, status=400)
    return HttpResponseBadRequest(render_to_string("400.html"))


def page_not_found(request, exception):
    if _for_api(request):
        message = f"There is no API endpoint at this address; the API has {API_ENDPOINTS}."
        return JsonResponse({"errors": {"path": [message]}}, status=404)
    return HttpResponseNotFound(render_to_string("404.html"))


def server_error(request):
    if _for_api(request):
        message = "Something went wrong on our side; it has been logged. Please try again."
        return JsonResponse({"errors": {"server": [message]}}, status=500)
    return defaults.server_error(request)
