"""Public pages: read-only, server-rendered, no JavaScript required."""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.db.models import Q
from django.http import (
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from articles import editing, exports, lookups
from articles.models import Article, Organization, Person, Place
from articles.query_syntax import describe_query, is_plain_words
from articles.querysets import VISIBLE_STATES
from articles.search import countries_of, run_search, visible_tag_prefetches

HOME_ARTICLES = 12
INDEX_PAGE_SIZE = 60


@require_safe
def home(request):
    newest = list(
        Article.objects.newest_first()
        .defer("body", "blocks", "search_vector")
        .prefetch_related(*visible_tag_prefetches())[:HOME_ARTICLES]
    )
    latest = Article.objects.order_by("-published_on").values_list("published_on", flat=True)
    month_articles = Article.objects.none()
    if latest_day := latest.first():
        month_articles = Article.objects.filter(published_on__gt=latest_day - timedelta(days=31))
    context = {
        "newest": newest,
        "top_people": Person.objects.facet(month_articles, limit=8),
        "top_countries": month_articles.country_facet(limit=8),
        "article_total": Article.objects.count(),
    }
    return render(request, "articles/home.html", context)


@require_safe
def search(request):
    if redirect := _resolve_names(request):
        return redirect
    result = run_search(request.GET)
    context = {
        "result": result,
        "filterset": result.filterset,
        "query_parts": describe_query(result.query_text),
        "query_is_plain": is_plain_words(result.query_text),
        "chips": _active_filter_chips(result),
    }
    if result.is_valid:
        context["feed_url"] = reverse("articles:search-feed") + _filters_query(request.GET)
        context["export_url"] = reverse("articles:search-export") + _filters_query(
            request.GET, keep_sort=True
        )
        context["export_cap"] = exports.EXPORT_CAP
    return render(request, "articles/search.html", context, status=200 if result.is_valid else 400)


# Parameters of the page that choose no articles: feed and export links leave them out.
_NOT_FILTERS = ("page", "page_size", "who", "where", "unmatched_who", "unmatched_where")


def _filters_query(
    params, *, keep_sort: bool = False, scope: tuple[str, str] | None = None, drop: str = ""
) -> str:
    """The query string of `params`' filters, for feed and CSV links.

    A feed is always newest first, so `sort` goes unless `keep_sort`; `scope` (name,
    value) sets a filter that the page has in its path; `drop` removes one.
    """
    params = params.copy()
    for name in (*_NOT_FILTERS, *(() if keep_sort else ("sort",)), drop):
        params.pop(name, None)
    if scope:
        params.setlist(scope[0], [scope[1]])
    return f"?{params.urlencode()}" if params else ""


@require_safe
def search_export(request):
    """The search as CSV (articles.exports): the page's parameters, streamed, capped."""
    export = exports.search_export(request.GET)
    if not export.is_valid:
        lines = [f"{label}: {message}" for label, message in export.labelled_errors]
        return HttpResponse(
            "We could not run this search.\n" + "\n".join(lines) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = StreamingHttpResponse(
        exports.csv_lines(export.rows()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="newsdesk-search.csv"'
    if export.truncated:
        response["X-Newsdesk-Truncated"] = f"first {export.cap} rows"
    return response


def _resolve_names(request):
    """Turn names typed in the form ("lavrof", "kyiv") into filters, by redirecting to
    the same page with the filter added.

    The form's `who` and `where` boxes take names; the filters take slugs and codes.
    The best match is added as a filter; nothing matching leaves a message on the page.
    """
    params = request.GET.copy()
    changed = False
    for box in ("who", "where"):
        name = params.pop(box, [""])[-1].strip()
        if not name:
            continue
        changed = True
        kinds = ("person", "organization") if box == "who" else ("place",)
        match = lookups.best_match(name, kinds=kinds)
        if match is None:
            params.appendlist(f"unmatched_{box}", name[:100])
            continue
        if match.kind == "place" and match.country_code and match.is_country:
            params.appendlist("country", match.country_code)
        else:
            params.appendlist(match.kind, match.slug)
    if not changed:
        return None
    params.pop("page", None)
    return HttpResponseRedirect(f"{request.path}?{params.urlencode()}")


def _active_filter_chips(result) -> list[dict]:
    """Removable chips for each active filter value: label, and the URL without it."""
    if not result.filterset.is_valid():
        return []
    data = result.filterset.form.cleaned_data
    chips = []
    for key, label in (("person", "Person"), ("organization", "Organization")):
        for entity in data.get(key) or []:
            chips.append({"key": key, "value": entity.slug, "label": f"{label}: {entity.name}"})
    for country in data.get("country") or []:
        chips.append(
            {"key": "country", "value": country.country_code, "label": f"Country: {country.name}"}
        )
    if place := data.get("place"):
        chips.append({"key": "place", "value": place.slug, "label": f"Place: {place.name}"})
    for source in data.get("source") or []:
        chips.append({"key": "source", "value": source, "label": f"Source: {source}"})
    for key, label in (("date_from", "From"), ("date_to", "To")):
        if value := data.get(key):
            chips.append({"key": key, "value": value.isoformat(), "label": f"{label} {value}"})
    return chips


@require_safe
def article_detail(request, pk):
    article = get_object_or_404(Article.objects.prefetch_related(*visible_tag_prefetches()), pk=pk)
    related_titles = [ref["title"] for ref in article.related if ref.get("title")]
    related_urls = [ref["url"] for ref in article.related if ref.get("url")]
    ours = {}
    if related_titles or related_urls:
        for match in Article.objects.filter(
            Q(title__in=related_titles) | Q(url__in=related_urls)
        ).only("title", "url"):
            ours.setdefault(match.title, match)
            if match.url:
                ours.setdefault(match.url, match)
    related = [
        {
            **ref,
            "url": web_url(ref.get("url") or ""),
            "ours": ours.get(ref.get("url")) or ours.get(ref.get("title")),
        }
        for ref in article.related
    ]
    context = {
        "article": article,
        "original_url": web_url(article.url),
        "related": related,
        "countries": countries_of(article),
        "coverage": Article.objects.related_coverage(article, limit=6),
    }
    return render(request, "articles/article_detail.html", context)


def web_url(url: str) -> str:
    """`url` when it is an http(s) URL, else "": pages link to nothing else.

    The importer keeps only http(s) URLs, but a restored backup or an editor's edit of
    the related-articles JSON can hold `javascript:` or `data:` ones, which would run
    script from a link. Checked on the stored text itself, which is what the href gets.
    """
    return url if url[:8].lower().startswith(("http://", "https://")) else ""


def _entity_page(request, entity, *, kind: str, scope_param: str, scope_value: str):
    if redirect := _resolve_names(request):
        return redirect
    params = request.GET.copy()
    params.setlist(scope_param, [scope_value])
    result = run_search(params)
    context = {
        "entity": entity,
        "kind": kind,
        "result": result,
        "filterset": result.filterset,
        "article_count": entity.article_count,
        "co_mentions": lookups.co_mentioned(entity, limit=10),
        "co_mention_window": lookups.CO_MENTION_ARTICLES,
        "chips": [chip for chip in _active_filter_chips(result) if chip["key"] != scope_param],
    }
    if result.is_valid:
        context["feed_url"] = entity_feed_url(entity) + _filters_query(
            request.GET, drop=scope_param
        )
        context["export_url"] = reverse("articles:search-export") + _filters_query(
            request.GET, keep_sort=True, scope=(scope_param, scope_value)
        )
        context["export_cap"] = exports.EXPORT_CAP
    return render(
        request, "articles/entity_detail.html", context, status=200 if result.is_valid else 400
    )


class MovedEntity(Exception):
    def __init__(self, entity):
        self.entity = entity


def get_entity(model, **lookup):
    """The entity, or MovedEntity when a merge folded this slug into another one."""
    entities = model.objects.with_article_counts().select_related("country")
    entity = entities.filter(**lookup).first()
    if entity is None and "slug" in lookup:
        survivor = editing.redirect_for(model, lookup["slug"])
        if survivor is not None:
            raise MovedEntity(survivor)
    if entity is None:
        raise Http404(f"No {model._meta.verbose_name} matches the given query.")
    return entity


def follow_merges(view):
    """Answer a merged entity's old URL with a permanent redirect to the survivor."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except MovedEntity as moved:
            url = moved.entity.get_absolute_url()
            if request.GET:
                url = f"{url}?{request.GET.urlencode()}"
            return HttpResponsePermanentRedirect(url)

    return wrapper


def entity_feed_url(entity) -> str:
    """The Atom feed of an entity's page (articles.feeds.EntityFeed)."""
    if isinstance(entity, Person):
        return reverse("articles:person-feed", kwargs={"key": entity.slug})
    if isinstance(entity, Organization):
        return reverse("articles:organization-feed", kwargs={"key": entity.slug})
    if entity.kind == Place.Kind.COUNTRY and entity.country_code:
        return reverse("articles:country-feed", kwargs={"key": entity.country_code.lower()})
    return reverse("articles:place-feed", kwargs={"key": entity.slug})


@require_safe
@follow_merges
def person_detail(request, slug):
    person = get_entity(Person, slug=slug)
    return _entity_page(request, person, kind="person", scope_param="person", scope_value=slug)


@require_safe
@follow_merges
def organization_detail(request, slug):
    organization = get_entity(Organization, slug=slug)
    return _entity_page(
        request, organization, kind="organization", scope_param="organization", scope_value=slug
    )


@require_safe
@follow_merges
def place_detail(request, slug):
    place = get_entity(Place, slug=slug)
    if place.kind == Place.Kind.COUNTRY and place.country_code:
        return HttpResponseRedirect(place.get_absolute_url())
    return _entity_page(request, place, kind="place", scope_param="place", scope_value=slug)


@require_safe
def country_detail(request, code):
    if code != code.lower():
        return HttpResponseRedirect(reverse("articles:country", args=[code.lower()]))
    country = get_entity(Place, kind=Place.Kind.COUNTRY, country_code=code.upper())
    return _entity_page(
        request, country, kind="country", scope_param="country", scope_value=country.country_code
    )


@require_safe
def entity_index(request, kind):
    model, title = {
        "people": (Person, "People"),
        "organizations": (Organization, "Organizations"),
        "countries": (Place, "Countries"),
    }[kind]
    entities = model.objects.with_article_counts()
    if model is Place:
        entities = entities.filter(kind=Place.Kind.COUNTRY)
    name = request.GET.get("name", "").replace("\x00", "").strip()[:100]
    if name:
        entities = lookups.filter_by_name(entities, name)
    entities = entities.filter(article_count__gt=0) if not name else entities
    entities = entities.order_by("-article_count", "name")[:INDEX_PAGE_SIZE]
    context = {
        "entities": entities,
        "kind": kind,
        "title": title,
        "name": name,
        "visible_states": VISIBLE_STATES,
    }
    return render(request, "articles/entity_index.html", context)
