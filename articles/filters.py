"""The one FilterSet behind the search page, the entity pages and the JSON API."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property

from articles import lookups
from articles.models import Article, Organization, Person, Place

MAX_QUERY_LENGTH = 500
MAX_VALUE_LENGTH = 300
ISO_DATE = ["%Y-%m-%d"]


class SortChoices:
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"
    choices = [(RELEVANCE, "Relevance"), (NEWEST, "Newest first"), (OLDEST, "Oldest first")]


def _check_raw_values(values, *, label: str) -> None:
    """Refuse what must never reach the database: NUL bytes and oversized values."""
    for value in values:
        if "\x00" in str(value):
            raise ValidationError(f"The {label} contains a NUL character.", code="null")
        if len(str(value)) > MAX_VALUE_LENGTH:
            raise ValidationError(
                f"The {label} is too long (at most {MAX_VALUE_LENGTH} characters).",
                code="max_length",
            )


class NamedChoiceMixin:
    """An entity field whose messages name what was not found ("No person is known…")."""

    unknown_message = "No {label} is known as “%(value)s”."

    def __init__(self, *args, label_for_errors: str = "value", **kwargs):
        self.label_for_errors = label_for_errors
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault(
            "invalid_choice", self.unknown_message.format(label=label_for_errors)
        )
        super().__init__(*args, **kwargs)


class SlugsField(NamedChoiceMixin, forms.ModelMultipleChoiceField):
    """Repeatable entity parameter, by slug, each value checked before the lookup."""

    def prepare(self, values: list[str]) -> list[str]:
        return values

    def clean(self, value):
        values = [value] if isinstance(value, str) else list(value or [])
        _check_raw_values(values, label=self.label_for_errors)
        return super().clean(self.prepare([v.strip() for v in values if v.strip()]))


class CountryCodesField(SlugsField):
    """ISO 3166-1 alpha-2 codes, in any case."""

    def prepare(self, values: list[str]) -> list[str]:
        return [v.upper() for v in values]


class SlugField(NamedChoiceMixin, forms.ModelChoiceField):
    """A single entity parameter, by slug."""

    unknown_message = "No {label} is known by that name."

    def clean(self, value):
        if value:
            _check_raw_values([value], label=self.label_for_errors)
        return super().clean(value)


class StringsField(forms.Field):
    """A repeatable free-text parameter (?source=BBC&source=CNN)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *args, label_for_errors: str = "value", **kwargs):
        self.label_for_errors = label_for_errors
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        values = [value] if isinstance(value, str) else list(value or [])
        _check_raw_values(values, label=self.label_for_errors)
        return [v.strip() for v in values if v.strip()]


class SlugsFilter(filters.ModelMultipleChoiceFilter):
    field_class = SlugsField


class CountryCodesFilter(filters.ModelMultipleChoiceFilter):
    field_class = CountryCodesField


class SlugFilter(filters.ModelChoiceFilter):
    field_class = SlugField


class StringsFilter(filters.Filter):
    field_class = StringsField


class ArticleSearchForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


class ArticleFilter(filters.FilterSet):
    q = filters.CharFilter(
        label="Search", method="filter_query", max_length=MAX_QUERY_LENGTH, strip=True
    )
    person = SlugsFilter(
        queryset=Person.objects.all(),
        to_field_name="slug",
        method="filter_people",
        label_for_errors="person",
    )
    organization = SlugsFilter(
        queryset=Organization.objects.all(),
        to_field_name="slug",
        method="filter_organizations",
        label_for_errors="organization",
    )
    country = CountryCodesFilter(
        queryset=Place.objects.filter(kind=Place.Kind.COUNTRY),
        to_field_name="country_code",
        method="filter_countries",
        label_for_errors="country code",
    )
    place = SlugFilter(
        queryset=Place.objects.all(),
        to_field_name="slug",
        method="filter_place",
        label_for_errors="place",
    )
    source = StringsFilter(field_name="source", lookup_expr="in", label_for_errors="source")
    date_from = filters.DateFilter(
        field_name="published_on",
        lookup_expr="gte",
        input_formats=ISO_DATE,
        label="From",
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    date_to = filters.DateFilter(
        field_name="published_on",
        lookup_expr="lte",
        input_formats=ISO_DATE,
        label="To",
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    sort = filters.ChoiceFilter(
        choices=SortChoices.choices, method="keep", empty_label=None, label="Sort by"
    )

    class Meta:
        model = Article
        fields: list[str] = []
        form = ArticleSearchForm

    @property
    def query_text(self) -> str:
        return self.form.cleaned_data.get("q") or "" if self.is_bound and self.is_valid() else ""

    @property
    def sort_order(self) -> str:
        chosen = self.form.cleaned_data.get("sort") if self.is_valid() else None
        if chosen == SortChoices.RELEVANCE and not self.query_text:
            chosen = None  # nothing to be relevant to: newest first
        return chosen or (SortChoices.RELEVANCE if self.query_text else SortChoices.NEWEST)

    @cached_property
    def expanded_query(self):
        """The text query with entity names widened to all their spellings."""
        return lookups.expand_query(self.query_text) if self.query_text else None

    def sorted(self, matches):
        """`matches` (this FilterSet's `qs`) in the chosen order.

        `qs` itself stays unordered and unranked, so that counts and facets over it do
        not pay for ranking.
        """
        if self.sort_order == SortChoices.RELEVANCE:
            return matches.by_relevance(self.expanded_query.query)
        if self.sort_order == SortChoices.OLDEST:
            return matches.oldest_first()
        return matches.newest_first()

    def filter_query(self, queryset, name, value):
        return queryset.search(self.expanded_query.query)

    # An absent multi-value parameter cleans to an empty queryset, which django-filter
    # does not treat as empty: skip it here, or it would filter everything out.
    def filter_people(self, queryset, name, value):
        return queryset.mentioning_people(value) if value else queryset

    def filter_organizations(self, queryset, name, value):
        return queryset.mentioning_organizations(value) if value else queryset

    def filter_countries(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.in_countries(country.country_code for country in value)

    def filter_place(self, queryset, name, value):
        return queryset.mentioning_places([value])

    def keep(self, queryset, name, value):
        return queryset  # `sort` is applied by `sorted()`, after every filter
