from django.urls import path, register_converter
from django.views.decorators.http import require_safe

from articles import api, feeds, views

app_name = "articles"


class CountryCode:
    """Two ASCII letters, in either case (the view redirects to lower case). Anything
    else is not a country page: 404, before any of it reaches the database."""

    regex = "[A-Za-z]{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CountryCode, "country")

entity_feed = require_safe(feeds.EntityFeed())

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("search/feed/", require_safe(feeds.SearchFeed()), name="search-feed"),
    path("search/export.csv", views.search_export, name="search-export"),
    path("articles/<int:pk>/", views.article_detail, name="article"),
    path("people/", views.entity_index, {"kind": "people"}, name="people"),
    path("people/<slug:slug>/", views.person_detail, name="person"),
    path("people/<slug:key>/feed/", entity_feed, {"kind": "person"}, name="person-feed"),
    path("organizations/", views.entity_index, {"kind": "organizations"}, name="organizations"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization"),
    path(
        "organizations/<slug:key>/feed/",
        entity_feed,
        {"kind": "organization"},
        name="organization-feed",
    ),
    path("countries/", views.entity_index, {"kind": "countries"}, name="countries"),
    path("countries/<country:code>/", views.country_detail, name="country"),
    path("countries/<country:key>/feed/", entity_feed, {"kind": "country"}, name="country-feed"),
    path("places/<slug:slug>/", views.place_detail, name="place"),
    path("places/<slug:key>/feed/", entity_feed, {"kind": "place"}, name="place-feed"),
    path("api/articles/", api.article_list, name="api-articles"),
    path("api/entities/", api.entity_list, name="api-entities"),
]
