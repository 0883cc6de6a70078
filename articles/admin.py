"""The editors' side: articles, entities and their tags, review, merge, split, import."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Func, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import get_valid_filename

from articles import editing, loader
from articles.importing import iter_records
from articles.models import (
    Article,
    EntityMerge,
    Mention,
    Organization,
    OrganizationMention,
    Person,
    PersonMention,
    Place,
    PlaceMention,
    SlugRedirect,
)

# ---------------------------------------------------------------------------- tags


class MentionInline(admin.TabularInline):
    """An article's tags of one kind: state editable in place, evidence alongside."""

    extra = 0
    autocomplete_fields = ["entity"]
    fields = ["entity", "state", "origin", "confidence", "count", "role", "evidence"]
    readonly_fields = ["origin", "confidence", "count", "role", "evidence"]
    ordering = ["state", "-confidence"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("entity")


class PersonMentionInline(MentionInline):
    model = PersonMention
    verbose_name = "person mentioned"
    verbose_name_plural = "people mentioned"


class OrganizationMentionInline(MentionInline):
    model = OrganizationMention
    verbose_name = "organization mentioned"
    verbose_name_plural = "organizations mentioned"


class PlaceMentionInline(MentionInline):
    model = PlaceMention
    verbose_name = "place mentioned"
    verbose_name_plural = "places mentioned"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the recipe from Django's file-upload docs)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".txt,.csv,.jsonl"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class ImportForm(forms.Form):
    # Empty files pass the form: the importer reports them like the command does.
    files = MultipleFileField(
        allow_empty_file=True,
        help_text="Text exports (.txt), CSV (.csv) or JSON Lines (.jsonl); several at once.",
    )


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "agency", "published_on", "tags_to_review", "updated_at"]
    list_filter = ["source", "agency", "language", "published_on"]
    search_fields = ["title", "subtitle", "byline", "url"]
    date_hierarchy = "published_on"
    readonly_fields = ["key", "content_hash", "imported_at", "updated_at", "body"]
    inlines = [PersonMentionInline, OrganizationMentionInline, PlaceMentionInline]
    list_per_page = 50
    show_full_result_count = False  # an exact count of a large archive costs a full scan
    actions = ["confirm_suggested_tags", "reject_suggested_tags"]
    change_list_template = "admin/articles/article/change_list.html"
    fieldsets = [
        (None, {"fields": ["title", "subtitle", "url", "published_on", "published_time"]}),
        ("Byline", {"fields": ["byline", "authors", "agency", "source", "source_domain"]}),
        (
            "Body",
            {"fields": ["dateline", "blocks", "body", "photo_caption", "photo_credit", "related"]},
        ),
        (
            "Import",
            {
                "classes": ["collapse"],
                "fields": [
                    "language",
                    "external_id",
                    "key",
                    "content_hash",
                    "imported_at",
                    "updated_at",
                ],
            },
        ),
    ]

    def get_queryset(self, request):
        def awaiting(model):
            per_article = (
                model.objects.filter(article=OuterRef("pk"), state=Mention.State.SUGGESTED)
                .values("article")
                .annotate(n=Count("id"))
                .values("n")
            )
            return Coalesce(Subquery(per_article), 0)

        return (
            super()
            .get_queryset(request)
            .annotate(
                awaiting_review=awaiting(PersonMention)
                + awaiting(OrganizationMention)
                + awaiting(PlaceMention)
            )
        )

    @admin.display(description="tags to review", ordering="awaiting_review")
    def tags_to_review(self, obj):
        return obj.awaiting_review

    def save_formset(self, request, form, formset, change):
        """An editor's tag is the editor's decision: record who and when."""
        instances = formset.save(commit=False)
        now = timezone.now()
        for mention in instances:
            if mention.pk is None:
                mention.origin = Mention.Origin.EDITOR
                if mention.state == Mention.State.SUGGESTED:
                    mention.state = Mention.State.CONFIRMED
            if mention.pk is None or "state" in _changed_fields(formset, mention):
                mention.reviewed_by, mention.reviewed_at = request.user, now
            mention.save()
        for mention in formset.deleted_objects:
            mention.delete()
        formset.save_m2m()

    @admin.action(description="Confirm all suggested tags of the selected articles")
    def confirm_suggested_tags(self, request, queryset):
        self._review_all(request, queryset, Mention.State.CONFIRMED)

    @admin.action(description="Reject all suggested tags of the selected articles")
    def reject_suggested_tags(self, request, queryset):
        self._review_all(request, queryset, Mention.State.REJECTED)

    def _review_all(self, request, articles, state):
        changed = 0
        for model in (PersonMention, OrganizationMention, PlaceMention):
            suggested = model.objects.filter(article__in=articles, state=Mention.State.SUGGESTED)
            changed += editing.review(suggested, state, user=request.user)
        for article in articles:
            self.log_change(request, article, f"Marked its suggested tags {state}.")
        self.message_user(request, f"{changed} tag(s) marked {state}.", messages.SUCCESS)

    # Import from the admin: the same parser, loader and report as the command.
    def get_urls(self):
        custom = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="articles_article_import",
            )
        ]
        return custom + super().get_urls()

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            report = self._import_uploads(form.cleaned_data["files"])
            level = messages.WARNING if report.failed else messages.SUCCESS
            self.message_user(request, report.summary(), level)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import articles",
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/articles/article/import.html", context)

    def _import_uploads(self, uploads) -> loader.ImportReport:
        with tempfile.TemporaryDirectory(prefix="newsdesk-upload-") as folder:
            paths = []
            for n, upload in enumerate(uploads):
                # A folder per upload: two files of the same name must not overwrite.
                target = Path(folder) / str(n) / get_valid_filename(Path(upload.name).name)
                target.parent.mkdir()
                with target.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                paths.append(target)
            records = iter_records(paths, max_bytes=settings.NEWSDESK_IMPORT_MAX_BYTES)
            report = loader.load(records)
        # Show the names the editor uploaded, not our temporary folder.
        for error in report.errors:
            error.path = Path(error.path).name
        return report


def _changed_fields(formset, instance) -> list[str]:
    for form in formset.forms:
        if form.instance is instance:
            return form.changed_data
    return []


class ConfidenceFilter(admin.SimpleListFilter):
    title = "confidence"
    parameter_name = "confidence"

    def lookups(self, request, model_admin):
        return [("high", "high (≥ 0.8)"), ("medium", "medium"), ("low", "low (< 0.5)")]

    def queryset(self, request, queryset):
        return {
            "high": queryset.filter(confidence__gte=0.8),
            "medium": queryset.filter(confidence__gte=0.5, confidence__lt=0.8),
            "low": queryset.filter(confidence__lt=0.5),
        }.get(self.value(), queryset)


class StateFilter(admin.SimpleListFilter):
    """Review state, showing the suggestions awaiting a decision unless asked otherwise."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [*Mention.State.choices, ("all", "All")]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or Mention.State.SUGGESTED) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or Mention.State.SUGGESTED
        return queryset if value == "all" else queryset.filter(state=value)


class ReviewQueueAdmin(admin.ModelAdmin):
    """The review queue: suggestions awaiting a decision, with bulk confirm and reject."""

    list_display = ["entity", "article_title", "state", "origin", "confidence", "evidence_short"]
    list_filter = [StateFilter, "origin", ConfidenceFilter, "article__source"]
    list_select_related = ["entity", "article"]
    search_fields = ["entity__name", "article__title", "evidence"]
    autocomplete_fields = ["entity", "article"]
    readonly_fields = ["reviewed_by", "reviewed_at", "created_at"]
    actions = ["confirm", "reject"]
    list_per_page = 100
    ordering = ["-confidence", "-id"]

    @admin.display(description="article", ordering="article__title")
    def article_title(self, obj):
        title = obj.article.title
        return title if len(title) <= 60 else title[:59] + "…"

    @admin.display(description="evidence")
    def evidence_short(self, obj):
        return obj.evidence[:140] + ("…" if len(obj.evidence) > 140 else "")

    @admin.action(description="Confirm the selected tags")
    def confirm(self, request, queryset):
        self._review(request, queryset, Mention.State.CONFIRMED)

    @admin.action(description="Reject the selected tags")
    def reject(self, request, queryset):
        self._review(request, queryset, Mention.State.REJECTED)

    def _review(self, request, queryset, state):
        mentions = list(queryset.select_related("entity"))
        changed = editing.review(queryset, state, user=request.user)
        for mention in mentions:
            self.log_change(request, mention, f"Marked {state}.")
        self.message_user(request, f"{changed} tag(s) marked {state}.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        if "state" in form.changed_data or not change:
            obj.reviewed_by, obj.reviewed_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)


admin.site.register(PersonMention, ReviewQueueAdmin)
admin.site.register(OrganizationMention, ReviewQueueAdmin)
admin.site.register(PlaceMention, ReviewQueueAdmin)

# ------------------------------------------------------------------------ entities


class SplitAliasForm(forms.Form):
    alias = forms.ChoiceField(label="Alias to split out as an entity of its own")


class EntityAdmin(admin.ModelAdmin):
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_per_page = 100
    actions = ["merge_selected", "split_alias"]
    readonly_fields = ["gazetteer_key"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_article_counts()

    def get_search_results(self, request, queryset, search_term):
        """Names, slugs, and aliases too (case-insensitively): "Kyiv" finds Kiev."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            alias_text = Func(
                F("aliases"), Value(" "), function="array_to_string", output_field=TextField()
            )
            by_alias = queryset.alias(alias_text=alias_text).filter(
                alias_text__icontains=search_term
            )
            results = results | by_alias
        return results, may_have_duplicates

    @admin.display(ordering="article_count", description="articles")
    def article_count(self, obj):
        return obj.article_count

    @admin.display(description="aliases")
    def alias_list(self, obj):
        return ", ".join(obj.aliases)

    @admin.action(description="Merge the selected into one…", permissions=["change"])
    def merge_selected(self, request, queryset):
        entities = list(queryset.order_by("-article_count", "name"))
        if len(entities) < 2:
            self.message_user(request, "Select at least two to merge.", messages.WARNING)
            return None
        if "survivor" in request.POST:
            survivor = next((e for e in entities if str(e.pk) == request.POST["survivor"]), None)
            if survivor is None:
                self.message_user(request, "Choose one of the selected.", messages.ERROR)
                return None
            others = [e for e in entities if e.pk != survivor.pk]
            records = editing.merge_entities(survivor, others, user=request.user)
            for record in records:
                self.log_change(
                    request,
                    survivor,
                    f"Merged {record.merged_name} ({record.merged_slug}) "
                    f"into it: {record.mentions_moved} tag(s) moved.",
                )
            names = ", ".join(record.merged_name for record in records)
            self.message_user(request, f"Merged {names} into {survivor.name}.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Merge {self.model._meta.verbose_name_plural}",
            "opts": self.model._meta,
            "entities": entities,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/merge.html", context)

    @admin.action(description="Split an alias back out…", permissions=["change"])
    def split_alias(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one to split.", messages.WARNING)
            return None
        entity = queryset.get()
        form = SplitAliasForm(request.POST if "alias" in request.POST else None)
        form.fields["alias"].choices = [(a, a) for a in entity.aliases]
        if not entity.aliases:
            self.message_user(request, f"{entity.name} has no alias.", messages.WARNING)
            return None
        if form.is_bound and form.is_valid():
            new_entity = editing.split_alias(entity, form.cleaned_data["alias"], user=request.user)
            self.log_change(request, entity, f"Split out the alias {new_entity.name}.")
            self.log_addition(request, new_entity, f"Split out of {entity.name}.")
            self.message_user(
                request, f"{new_entity.name} is now an entity of its own.", messages.SUCCESS
            )
            return HttpResponseRedirect(
                reverse(
                    f"admin:{new_entity._meta.app_label}_{new_entity._meta.model_name}_change",
                    args=[new_entity.pk],
                )
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Split an alias out of {entity.name}",
            "opts": self.model._meta,
            "entity": entity,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/split_alias.html", context)


@admin.register(Person)
class PersonAdmin(EntityAdmin):
    list_display = ["name", "role", "country", "alias_list", "article_count"]
    list_select_related = ["country"]
    autocomplete_fields = ["country"]


@admin.register(Organization)
class OrganizationAdmin(EntityAdmin):
    list_display = ["name", "kind", "country", "alias_list", "article_count"]
    list_filter = ["kind"]
    list_select_related = ["country"]
    autocomplete_fields = ["country"]


@admin.register(Place)
class PlaceAdmin(EntityAdmin):
    list_display = ["name", "kind", "country_code", "country", "alias_list", "article_count"]
    list_filter = ["kind"]
    list_select_related = ["country"]
    search_fields = ["name", "slug", "country_code"]
    autocomplete_fields = ["country"]


@admin.register(EntityMerge)
class EntityMergeAdmin(admin.ModelAdmin):
    list_display = [
        "merged_name",
        "survivor_name",
        "kind",
        "mentions_moved",
        "merged_by",
        "merged_at",
    ]
    list_filter = ["kind"]
    search_fields = ["merged_name", "survivor_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SlugRedirect)
class SlugRedirectAdmin(EntityMergeAdmin):
    list_display = ["kind", "old_slug", "entity_id", "created_at"]
    list_filter = ["kind"]
    search_fields = ["old_slug"]
