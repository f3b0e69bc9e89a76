# Menus come from IvrMenu/IvrOption: the queues' own menu digits become an entry menu.

from django.db import migrations, models


def queue_digits_to_entry_menu(apps, schema_editor):
    """Callers keep hearing the same menu: one option per queue that had a digit."""
    Queue = apps.get_model("routing", "Queue")
    IvrMenu = apps.get_model("routing", "IvrMenu")
    IvrOption = apps.get_model("routing", "IvrOption")
    queues = list(Queue.objects.filter(menu_digit__isnull=False).order_by("menu_digit"))
    if not queues or IvrMenu.objects.filter(is_entry=True).exists():
        return
    name = "Main"
    if IvrMenu.objects.filter(name=name).exists():
        name = "Main (from the queues' menu digits)"
    menu = IvrMenu.objects.create(
        name=name, is_entry=True, greeting="Thank you for calling {centre}."
    )
    IvrOption.objects.bulk_create(
        IvrOption(
            menu=menu,
            digit=queue.menu_digit,
            prompt=queue.menu_prompt or f"For {queue.name}",
            keywords=queue.name,
            action="queue",
            queue=queue,
        )
        for queue in queues
    )


def entry_menu_to_queue_digits(apps, schema_editor):
    Queue = apps.get_model("routing", "Queue")
    IvrOption = apps.get_model("routing", "IvrOption")
    options = IvrOption.objects.filter(
        menu__is_entry=True, action="queue", digit__in=list("0123456789")
    )
    for option in options:
        Queue.objects.filter(pk=option.queue_id, menu_digit__isnull=True).update(
            menu_digit=option.digit, menu_prompt=option.prompt[:120]
        )


class Migration(migrations.Migration):

    dependencies = [
        ("routing", "0002_businesshours_alter_queue_options_and_more"),
    ]

    operations = [
        migrations.RunPython(queue_digits_to_entry_menu, entry_menu_to_queue_digits),
        migrations.RemoveField(
            model_name="queue",
            name="menu_digit",
        ),
        migrations.RemoveField(
            model_name="queue",
            name="menu_prompt",
        ),
        migrations.AlterField(
            model_name="ivrmenu",
            name="greeting",
            field=models.CharField(
                help_text="Said before the options; {centre} is the centre's name (CALL_CENTRE_NAME).",
                max_length=500,
            ),
        ),
        migrations.AlterConstraint(
            model_name="ivrmenu",
            name="one_entry_menu",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_entry", True)),
                fields=("is_entry",),
                name="one_entry_menu",
                violation_error_message="Another menu is already the entry menu: "
                "untick 'Is entry' there first.",
            ),
        ),
        migrations.AlterConstraint(
            model_name="ivroption",
            name="unique_menu_digit",
            constraint=models.UniqueConstraint(
                fields=("menu", "digit"),
                name="unique_menu_digit",
                violation_error_message="Each key can lead to one option only in a menu.",
            ),
        ),
    ]
