"""The JSON API: the same parameters and the same search as the HTML page."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_safe

from articles import lookups
from articles.search import countries_of, plain, run_search


def _error(errors: dict[str, list[str]]) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=400)


@require_safe
def article_list(request):
    result = run_search(request.GET)
    if not result.is_valid:
        return _error(result.errors)
    permalink = request.build_absolute_uri
    payload = {
        "count": result.count,
        "count_is_capped": result.count_is_capped,
        "page": result.page,
        "pages": result.pages,
        "query": result.query_text,
        "also_searched": list(result.also_searched),
        # Past the count cap, facets count the newest matches only (see run_search).
        "facets_sampled": result.facets_sampled,
        "results": [
            {
                "id": article.pk,
                "title": article.title,
                "url": article.url,
                "permalink": permalink(article.get_absolute_url()),
                "published": article.published_on.isoformat(),
                "source": article.source,
                "snippet": plain(getattr(article, "snippet_marked", None))
                or article.subtitle[:300],
                "people": [
                    {"name": m.entity.name, "slug": m.entity.slug} for m in article.visible_people
                ],
                "organizations": [
                    {"name": m.entity.name, "slug": m.entity.slug}
                    for m in article.visible_organizations
                ],
                "countries": countries_of(article),
            }
            for article in result.rows
        ],
        "facets": {
            "people": [
                {"slug": p.slug, "name": p.name, "count": p.count} for p in result.facets["people"]
            ],
            "organizations": [
                {"slug": o.slug, "name": o.name, "count": o.count}
                for o in result.facets["organizations"]
            ],
            "countries": [
                {
                    "code": c["code"],
                    "name": c["name"] or c["country_name"] or c["code"],
                    "count": c["count"],
                }
                for c in result.facets["countries"]
            ],
            "sources": [
                {"name": s["source"], "count": s["count"]} for s in result.facets["sources"]
            ],
        },
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


@require_safe
def entity_list(request):
    text = request.GET.get("q", "")
    if "\x00" in text:
        return _error({"q": ["The name contains a NUL character."]})
    if len(text) > lookups.MAX_NAME_LENGTH:
        return _error({"q": [f"At most {lookups.MAX_NAME_LENGTH} characters."]})
    kinds = tuple(k for k in request.GET.getlist("kind") if k in lookups.MODELS)
    matches = lookups.search_entities(text, kinds=kinds or tuple(lookups.MODELS))
    return JsonResponse(
        {
            "results": [
                {
                    "kind": m.kind,
                    "name": m.name,
                    "slug": m.slug,
                    "url": m.url,
                    "code": m.country_code if m.is_country else "",
                }
                for m in matches
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )
