from django.db import migrations

# Must match the expression questions.search builds, or PostgreSQL will not use the index.
CREATE = (
    "CREATE INDEX IF NOT EXISTS question_search_gin ON questions_question "
    "USING GIN (to_tsvector('english'::regconfig, COALESCE(search_document, '')))"
)
DROP = "DROP INDEX IF EXISTS question_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    """Full-text search on PostgreSQL; SQLite searches with LIKE instead (see questions.search)."""

    dependencies = [("questions", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
