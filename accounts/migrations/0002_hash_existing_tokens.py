"""Existing DRF tokens (rest_framework.authtoken, plaintext) become ApiTokens holding only the
key's hash, so scripts keep their keys; then the plaintext table is dropped."""

import hashlib

from django.db import migrations

OLD_TABLE = "authtoken_token"


def hash_existing_tokens(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote('key')}, user_id FROM {quote(OLD_TABLE)}")
        rows = cursor.fetchall()
    for key, user_id in rows:
        ApiToken.objects.create(
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            prefix=key[:8],
            user_id=user_id,
            name="DRF token (migrated)",
        )
    schema_editor.execute(f"DROP TABLE {quote(OLD_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(hash_existing_tokens, migrations.RunPython.noop)]
