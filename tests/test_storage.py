"""Every input within what storage holds (issue 14, "what to build" 3): SQLite keeps decimals
as REAL, exact to 15 significant digits, so no decimal column of the project may hold more;
the entry points' validators (DRF, forms, full_clean) follow the columns' max_digits."""

from django.apps import apps
from django.db import models

SQLITE_REAL_DIGITS = 15


def test_no_decimal_column_holds_more_digits_than_sqlite_keeps():
    wide = [f"{m._meta.label}.{f.name} ({f.max_digits})"
            for m in apps.get_models() if m.__module__.startswith("clearinghouse")
            for f in m._meta.get_fields()
            if isinstance(f, models.DecimalField) and f.max_digits > SQLITE_REAL_DIGITS]
    assert wide == []
