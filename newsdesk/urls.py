from django.contrib import admin
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_safe

admin.site.site_header = "Newsdesk administration"
admin.site.site_title = "Newsdesk"


@require_safe
def healthz(request):
    """200 when the app can reach its database, else 503: for load balancers and compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


# Pages explain their errors in a sentence; the API answers them in JSON (newsdesk/errors.py).
handler400 = "newsdesk.errors.bad_request"
handler404 = "newsdesk.errors.page_not_found"
handler500 = "newsdesk.errors.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]
