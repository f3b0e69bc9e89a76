"""Clear rates and prices that do not fit DecimalField(max_digits=12, decimal_places=8).

Before webhook payloads were cleaned (callcentre.vonage.inbound), SQLite stored a `price` of
1e30 (or Infinity) as it came; reading such a row raises InvalidOperation (the conversations
API, the member admin, the post-call sweep), every time. PostgreSQL never stored one, so
there this changes nothing. The raw value stays in the event's payload.
"""

from django.db import migrations
from django.db.models import Q

LIMIT = 10**4  # 12 digits, 8 of them decimals


def clear_amounts_out_of_range(apps, schema_editor):
    Member = apps.get_model("conversations", "Member")
    for field in ("rate", "price"):
        # Compared in SQL: such a value cannot be read into a Decimal.
        out_of_range = Q(**{f"{field}__gte": LIMIT}) | Q(**{f"{field}__lte": -LIMIT})
        Member.objects.filter(out_of_range).update(**{field: None})


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_member_is_muted"),
    ]

    operations = [
        migrations.RunPython(clear_amounts_out_of_range, migrations.RunPython.noop),
    ]
