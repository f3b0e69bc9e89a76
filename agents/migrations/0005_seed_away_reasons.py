from django.db import migrations

# The codes the desktop offered before they were kept in admin, the supervisor's and the
# engine's. "missed" is the engine's (missed offers in a row), not offered to people.
REASONS = [
    ("break", "Break", True, False),
    ("lunch", "Lunch", True, False),
    ("meeting", "Meeting", True, True),
    ("training", "Training", True, True),
    ("coaching", "Coaching", True, True),
    ("supervisor", "Set away by a supervisor", True, False),
    ("missed", "Missed offers", False, False),
]


def seed(apps, schema_editor):
    AwayReason = apps.get_model("agents", "AwayReason")
    for code, label, is_active, productive in REASONS:
        AwayReason.objects.get_or_create(
            code=code,
            defaults={"label": label, "is_active": is_active, "counts_as_productive": productive},
        )


class Migration(migrations.Migration):
    dependencies = [("agents", "0004_away_reasons_and_presence_intervals")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
