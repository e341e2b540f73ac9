"""Link the history written before the chain existed, in history_date then id order (an
upgraded database; a new one has no history yet). The tables as they stand at this migration,
not the live models: the fields hashed are recorded per link (core.FieldSet)."""

from django.db import migrations


def seal(apps, schema_editor):
    from clearinghouse.core.audit import seal_existing
    from clearinghouse.core.chain import Tables, is_history

    history = [m for m in apps.get_models(include_auto_created=True) if is_history(m)]
    tables = Tables(apps.get_model("core", "ChainHead"), apps.get_model("core", "ChainLink"),
                    apps.get_model("core", "FieldSet"),
                    apps.get_model("contenttypes", "ContentType"))
    seal_existing(history, tables, schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("parties", "0004_api_tokens"),
        ("catalogue", "0004_fifteen_digits"),
        ("needs", "0002_initial"),
        ("pledges", "0003_fifteen_digits"),
        ("logistics", "0003_historicaldelivery_historicalhubclosure_and_more"),
        ("planning", "0003_left_out"),
    ]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
