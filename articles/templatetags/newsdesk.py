"""Template helpers: filter links that keep the other filters, and safe highlighting."""

from django import template
from django.http import QueryDict

from articles.search import highlight as highlight_marked

register = template.Library()


def _search_params(context) -> QueryDict:
    params = context["request"].GET.copy()
    params.pop("page", None)  # a changed filter starts again at page 1
    return params


@register.simple_tag(takes_context=True)
def add_filter(context, key, value):
    """The current query string plus one more value of `key` (repeated values are ORed)."""
    params = _search_params(context)
    values = params.getlist(key)
    if str(value) not in values:
        params.setlist(key, [*values, str(value)])
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def remove_filter(context, key, value=None):
    """The current query string without `key` (or without just that one value of it)."""
    params = _search_params(context)
    if value is None:
        params.pop(key, None)
    else:
        params.setlist(key, [v for v in params.getlist(key) if v.upper() != str(value).upper()])
    return "?" + params.urlencode()


@register.filter
def highlight(marked):
    """Escape article text and let only our own <mark> tags through."""
    return highlight_marked(marked)
