from django.shortcuts import get_object_or_404, render

from articles.models import Article, Organization, Person, Place


def home(request):
    newest = Article.objects.only("title", "source", "published_on")[:20]
    return render(request, "articles/home.html", {"newest": newest})


def article_detail(request, pk):
    article = get_object_or_404(Article, pk=pk)
    return render(request, "articles/article_detail.html", {"article": article})


def _entity_page(request, entity):
    articles = entity.articles.only("title", "source", "published_on")[:50]
    return render(request, "articles/entity_detail.html", {"entity": entity, "articles": articles})


def person_detail(request, slug):
    return _entity_page(request, get_object_or_404(Person, slug=slug))


def organization_detail(request, slug):
    return _entity_page(request, get_object_or_404(Organization, slug=slug))


def place_detail(request, slug):
    return _entity_page(request, get_object_or_404(Place, slug=slug))


def country_detail(request, code):
    return _entity_page(
        request, get_object_or_404(Place, kind=Place.Kind.COUNTRY, country_code=code.upper())
    )
