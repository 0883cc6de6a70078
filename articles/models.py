"""The archive: articles, the entities they mention, and the mentions between them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.text import slugify

from articles.querysets import (
    SEARCH_CONFIG,
    VISIBLE_STATES,
    ArticleQuerySet,
    DayNumber,
    EntityQuerySet,
    MentionCountQuerySet,
)


class Article(models.Model):
    """One published news article, as imported.

    `key` is the natural key the importer matches on: the canonical URL, or a content
    hash for records that have none. `content_hash` tells an unchanged re-import (no
    write at all) from a corrected one (an update that keeps the editors' tags).
    """

    key = models.CharField(max_length=2100, unique=True, editable=False)
    url = models.URLField("original URL", max_length=2000, blank=True)
    title = models.CharField(max_length=1000)
    subtitle = models.TextField("standfirst", blank=True)
    byline = models.CharField(max_length=500, blank=True, help_text="As printed.")
    authors = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="The people who wrote it; kept apart from the people it mentions.",
    )
    agency = models.CharField(max_length=100, blank=True, help_text="e.g. AFP, TASS, Reuters")
    source = models.CharField(
        "source publication",
        max_length=200,
        blank=True,
        db_index=True,
        help_text="Derived from the URL's site, e.g. The Moscow Times.",
    )
    source_domain = models.CharField(max_length=253, blank=True)
    published_on = models.DateField(db_index=True)
    published_time = models.TimeField(
        null=True, blank=True, help_text="As printed; the source's time zone is unknown."
    )
    dateline = models.CharField(max_length=200, blank=True)
    blocks = models.JSONField(
        default=list,
        blank=True,
        help_text='Body in reading order: [{"kind": "paragraph"|"subheading", "text": ...}].',
    )
    body = models.TextField(blank=True, editable=False, help_text="Plain text of the blocks.")
    photo_caption = models.TextField(blank=True)
    photo_credit = models.CharField(max_length=500, blank=True)
    related = models.JSONField(
        "related articles",
        default=list,
        blank=True,
        help_text='References printed with the article: [{"title": ..., "url": ...}].',
    )
    language = models.CharField(max_length=12, default="en")
    external_id = models.CharField(max_length=100, blank=True)
    content_hash = models.CharField(max_length=64, editable=False)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(
        auto_now=True, help_text="Last time an import or an editor changed it."
    )

    search_vector = models.GeneratedField(
        expression=(
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("subtitle", "photo_caption", weight="B", config=SEARCH_CONFIG)
            + SearchVector("body", weight="C", config=SEARCH_CONFIG)
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    people = models.ManyToManyField(
        "Person", through="PersonMention", related_name="articles", blank=True
    )
    organizations = models.ManyToManyField(
        "Organization", through="OrganizationMention", related_name="articles", blank=True
    )
    places = models.ManyToManyField(
        "Place", through="PlaceMention", related_name="articles", blank=True
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "-id"]
        indexes = [
            models.Index(fields=["-published_on", "-id"], name="article_newest_idx"),
            # The day rides in the text index (btree_gin) so that "matches since day D"
            # is answered inside the index: the newest matches of a common word are then
            # found without reading, or detoasting, any older row (see newest_match_ids).
            GinIndex(F("search_vector"), DayNumber("published_on"), name="article_search_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:article", kwargs={"pk": self.pk})

    def set_blocks(self, blocks: list[dict]) -> None:
        """Set the body; `body` mirrors it as plain text for search and snippets."""
        self.blocks = blocks
        self.body = "\n\n".join(block["text"] for block in blocks)

    @property
    def paragraphs(self) -> list[str]:
        return [block["text"] for block in self.blocks if block["kind"] == "paragraph"]


class Entity(models.Model):
    """What people, organizations and places share: a name, a slug, aliases."""

    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=300, unique=True)
    aliases = ArrayField(
        models.CharField(max_length=300),
        default=list,
        blank=True,
        help_text="Other names and spellings, e.g. Kyiv for Kiev, Zelensky for Zelenskiy.",
    )
    gazetteer_key = models.CharField(
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="The tagging gazetteer's key for it (e.g. country:UA), when it has one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EntityQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]
        # Search widens a typed name to every spelling on each query: these make the
        # lookup an index probe (articles.lookups._other_spellings).
        indexes = [
            GinIndex(fields=["aliases"], name="%(class)s_aliases_idx"),
            models.Index(Lower("name"), name="%(class)s_lower_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.unique_slug(self.name)
        super().save(*args, **kwargs)

    @classmethod
    def unique_slug(cls, name: str) -> str:
        base = slugify(name, allow_unicode=False)[:280] or cls.__name__.lower()
        slug, n = base, 2
        while cls.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug

    @property
    def all_names(self) -> list[str]:
        return [self.name, *self.aliases]


class Place(Entity):
    class Kind(models.TextChoices):
        COUNTRY = "country", "Country"
        REGION = "region", "Region"
        CITY = "city", "City"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    country_code = models.CharField(
        "ISO 3166-1 alpha-2",
        max_length=2,
        blank=True,
        help_text="For a country, its own code; for a city or region, the country it lies in.",
    )
    country = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places_within",
        limit_choices_to={"kind": "country"},
        help_text="The country a city or region lies in.",
    )

    class Meta(Entity.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["country_code"],
                condition=models.Q(kind="country"),
                name="one_country_per_code",
            ),
        ]

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.COUNTRY and self.country_code:
            return reverse("articles:country", kwargs={"code": self.country_code.lower()})
        return reverse("articles:place", kwargs={"slug": self.slug})


class Person(Entity):
    role = models.CharField(max_length=300, blank=True, help_text="e.g. Russian Foreign Minister")
    country = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        limit_choices_to={"kind": "country"},
    )

    class Meta(Entity.Meta):
        verbose_name_plural = "people"

    def get_absolute_url(self) -> str:
        return reverse("articles:person", kwargs={"slug": self.slug})


class Organization(Entity):
    kind = models.CharField(
        max_length=100,
        blank=True,
        help_text="e.g. intergovernmental organization, government body, news agency",
    )
    country = models.ForeignKey(
        Place,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organizations",
        limit_choices_to={"kind": "country"},
    )

    def get_absolute_url(self) -> str:
        return reverse("articles:organization", kwargs={"slug": self.slug})


def visible_tags_index(kind: str) -> models.Index:
    """(entity, article) of the tags that count: "articles mentioning X" is read from
    this index alone, never from the wide tag rows (evidence, offsets) behind it."""
    return models.Index(
        fields=["entity", "article"],
        condition=models.Q(state__in=VISIBLE_STATES),
        name=f"{kind}_visible_tags_idx",
    )


class Mention(models.Model):
    """An article mentioning an entity: how often, where, and whether it is right.

    A mention is a tag. It may be suggested by the system or set by an editor, and an
    editor's decision (confirmed or rejected) is never overridden by re-importing or
    re-tagging: suggestions only ever add or refresh `suggested` rows.
    """

    class State(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    class Origin(models.TextChoices):
        GAZETTEER = "gazetteer", "Gazetteer"
        RULE = "rule", "Rule"
        EDITOR = "editor", "Editor"

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    count = models.PositiveIntegerField(default=1, help_text="How many times the text names it.")
    offsets = ArrayField(
        models.PositiveIntegerField(),
        default=list,
        blank=True,
        help_text="Character offsets of each mention in the article's body.",
    )
    evidence = models.TextField(blank=True, help_text="The sentence that names it.")
    surface_forms = ArrayField(
        models.CharField(max_length=300),
        default=list,
        blank=True,
        help_text="The names as the text wrote them, e.g. Kiev.",
    )
    role = models.CharField(
        max_length=300,
        blank=True,
        help_text='How the text introduced it, e.g. "Kremlin spokesman".',
    )
    confidence = models.FloatField(null=True, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.EDITOR)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.SUGGESTED, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.entity} in article {self.article_id} ({self.state})"

    @property
    def is_editor_decision(self) -> bool:
        return self.state != self.State.SUGGESTED or self.origin == self.Origin.EDITOR


class PersonMention(Mention):
    entity = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="mentions")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "entity"], name="one_person_mention"),
        ]
        indexes = [visible_tags_index("person")]


class OrganizationMention(Mention):
    entity = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="mentions")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "entity"], name="one_organization_mention"),
        ]
        indexes = [visible_tags_index("organization")]


class PlaceMention(Mention):
    entity = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="mentions")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "entity"], name="one_place_mention"),
        ]
        indexes = [visible_tags_index("place")]


class EntityKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANIZATION = "organization", "Organization"
    PLACE = "place", "Place"


class SlugRedirect(models.Model):
    """An old slug of a merged entity, sending readers on to the survivor's page."""

    kind = models.CharField(max_length=12, choices=EntityKind.choices)
    old_slug = models.SlugField(max_length=300)
    old_gazetteer_key = models.CharField(
        max_length=200,
        blank=True,
        db_index=True,
        help_text="The merged entity's gazetteer key: tagging resolves it to the survivor.",
    )
    entity_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "old_slug"], name="one_redirect_per_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.old_slug} → {self.entity_id}"


class EntityMerge(models.Model):
    """The record of a merge: who folded which entity into which, and what moved."""

    kind = models.CharField(max_length=12, choices=EntityKind.choices)
    merged_name = models.CharField(max_length=300)
    merged_slug = models.SlugField(max_length=300)
    survivor_id = models.BigIntegerField()
    survivor_name = models.CharField(max_length=300)
    mentions_moved = models.PositiveIntegerField(default=0)
    aliases_moved = ArrayField(models.CharField(max_length=300), default=list, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.merged_name} → {self.survivor_name}"


# The three kinds of entity and of tag, by the names the tagger and the API use.
ENTITY_MODELS: dict[str, type[Entity]] = {
    "person": Person,
    "organization": Organization,
    "place": Place,
}
TAG_MODELS: dict[str, type[Mention]] = {
    "person": PersonMention,
    "organization": OrganizationMention,
    "place": PlaceMention,
}


class ArticleFacets(models.Model):
    """What the facets count for one article: its source and its visible tags' ids.

    Kept by database triggers on the article, tag and place tables (migration 0007), so
    every way of writing a tag (import, retag, review, merge, backup restore, COPY)
    keeps it true. A search counts its facets over the matching articles' rows here, one
    narrow row per article, instead of joining three tag tables each time. It lives
    apart from `Article` because tags change often and an article row carries a large
    text index that every non-HOT update would rewrite.
    """

    article = models.OneToOneField(
        Article, on_delete=models.DB_CASCADE, primary_key=True, related_name="facets"
    )
    source = models.CharField(max_length=200, blank=True)
    people = ArrayField(models.BigIntegerField(), default=list)
    organizations = ArrayField(models.BigIntegerField(), default=list)
    countries = ArrayField(models.CharField(max_length=2), default=list)

    class Meta:
        verbose_name_plural = "article facets"

    def __str__(self) -> str:
        return f"facets of article {self.article_id}"


class MentionCount(models.Model):
    """How many articles tag an entity visibly, as a journal of changes.

    Database triggers on the three tag tables (migration 0008) add a row per statement
    and entity whose visible tags it added (+n) or took away (-n); an entity's count is
    the sum of its rows. The index pages, entity pages and name look-ups read counts
    here instead of counting up to 10 million tags per view. A journal rather than one
    row per entity: concurrent imports append and never wait for each other's row
    locks (a counter row for "United States" would serialize them, and could deadlock
    them). `compact()` folds the journal back to one row per entity after each import.
    """

    kind = models.CharField(max_length=12)  # "person", "organization" or "place"
    entity_id = models.BigIntegerField()
    articles = models.IntegerField()

    objects = MentionCountQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["kind", "entity_id"], include=["articles"], name="mention_count_entity_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.entity_id}: {self.articles:+d} articles"
