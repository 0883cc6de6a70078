from django.urls import path

from articles import api, views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("articles/<int:pk>/", views.article_detail, name="article"),
    path("people/", views.entity_index, {"kind": "people"}, name="people"),
    path("people/<slug:slug>/", views.person_detail, name="person"),
    path("organizations/", views.entity_index, {"kind": "organizations"}, name="organizations"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization"),
    path("countries/", views.entity_index, {"kind": "countries"}, name="countries"),
    path("countries/<str:code>/", views.country_detail, name="country"),
    path("places/<slug:slug>/", views.place_detail, name="place"),
    path("api/articles/", api.article_list, name="api-articles"),
    path("api/entities/", api.entity_list, name="api-entities"),
]
