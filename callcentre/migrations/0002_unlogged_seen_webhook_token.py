from django.db import migrations


def set_unlogged(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE callcentre_seen_webhook_token SET UNLOGGED")


def set_logged(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE callcentre_seen_webhook_token SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("callcentre", "0001_seen_webhook_token")]

    operations = [migrations.RunPython(set_unlogged, set_logged)]
