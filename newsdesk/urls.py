from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Newsdesk administration"
admin.site.site_title = "Newsdesk"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]
