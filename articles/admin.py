from django.contrib import admin
from django.db.models import Count

from articles.models import (
    Article,
    Organization,
    OrganizationMention,
    Person,
    PersonMention,
    Place,
    PlaceMention,
)


class MentionInline(admin.TabularInline):
    extra = 0
    autocomplete_fields = ["entity"]
    fields = ["entity", "state", "origin", "confidence", "count", "evidence"]
    readonly_fields = ["origin", "confidence", "count", "evidence"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("entity")


class PersonMentionInline(MentionInline):
    model = PersonMention
    verbose_name = verbose_name_plural = "people mentioned"


class OrganizationMentionInline(MentionInline):
    model = OrganizationMention
    verbose_name = verbose_name_plural = "organizations mentioned"


class PlaceMentionInline(MentionInline):
    model = PlaceMention
    verbose_name = verbose_name_plural = "places mentioned"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "agency", "published_on", "updated_at"]
    list_filter = ["source", "agency", "language", "published_on"]
    search_fields = ["title", "subtitle", "byline", "url"]
    date_hierarchy = "published_on"
    readonly_fields = ["key", "content_hash", "imported_at", "updated_at", "body"]
    inlines = [PersonMentionInline, OrganizationMentionInline, PlaceMentionInline]
    list_per_page = 50
    show_full_result_count = False  # an exact count of a large archive costs a full scan
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


class EntityAdmin(admin.ModelAdmin):
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(ordering="article_count", description="articles")
    def article_count(self, obj):
        return obj.article_count

    @admin.display(description="aliases")
    def alias_list(self, obj):
        return ", ".join(obj.aliases)


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
