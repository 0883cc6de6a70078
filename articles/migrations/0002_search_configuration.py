from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Extensions and the text-search configuration the search vector is built with."""

    dependencies = [("articles", "0001_initial")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunSQL(
            sql="""
                CREATE TEXT SEARCH CONFIGURATION newsdesk_english (COPY = pg_catalog.english);
                ALTER TEXT SEARCH CONFIGURATION newsdesk_english
                    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
            """,
            reverse_sql="DROP TEXT SEARCH CONFIGURATION newsdesk_english;",
        ),
    ]
