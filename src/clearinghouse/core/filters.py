"""Filters shared by the apps' filter sets."""

import django_filters as df
from django import forms
from drf_spectacular.utils import extend_schema_field

# A database id is a signed 64-bit integer: a larger number cannot be one (and would overflow
# the query, a 500, instead of finding nothing).
ID_MAX = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(df.NumberFilter):
    """A record's id: a whole number from 1, refused with 400 otherwise."""

    field_class = IdField
