from django.db import migrations, models


def mark_late(apps, schema_editor):
    """Allocations stored before the flag: late where they arrive after their need's due week
    in the plan's own snapshot."""
    Plan = apps.get_model("planning", "Plan")
    Allocation = apps.get_model("planning", "Allocation")
    for plan in Plan.objects.only("pk", "instance").iterator():
        for n in plan.instance.get("needs", []):
            Allocation.objects.filter(
                plan_id=plan.pk, need_id=int(n["id"][1:]), arrival_week__gt=n["due_week"]
            ).update(on_time=False)


class Migration(migrations.Migration):

    dependencies = [
        ("planning", "0003_left_out"),
    ]

    operations = [
        migrations.AddField(
            model_name="allocation",
            name="on_time",
            field=models.BooleanField(
                default=True,
                help_text="Arrives by the need's required-by date: only these cover it."),
        ),
        migrations.RunPython(mark_late, migrations.RunPython.noop),
    ]
