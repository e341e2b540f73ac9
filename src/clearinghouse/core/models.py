"""The history chain's tables (core/chain.py, docs/audit.md).

One table for the whole chain, beside the history tables rather than columns in each: one
global order is one primary key (``seq``) that the database keeps unique, a walk is one index
scan, and a history entry removed with its table row still leaves its link behind, which names
what was lost.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import models


class ChainHead(models.Model):
    """The chain's last link (one row, id 1); writers lock it to append in one order."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"chain head #{self.seq}"


class FieldSet(models.Model):
    """The fields hashed for entries of one history table at one time: a field added to the
    table later is not part of older entries' hashes, so they still verify."""

    digest = models.CharField(max_length=16, primary_key=True)
    model = models.CharField(max_length=200)
    names = models.TextField()

    def __str__(self) -> str:
        return f"{self.model} fields {self.digest}"


class ChainLink(models.Model):
    """One history entry's place in the chain: its hash and the hash of the entry before.

    ``record_id``, ``entry_date``, ``user_id`` and ``kind`` repeat the entry's own (its parent
    entry's for a many-to-many row) so that a deleted entry can still be named.
    """

    seq = models.BigIntegerField(primary_key=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    entry_id = models.BigIntegerField()
    record_id = models.CharField(max_length=64, blank=True)
    entry_date = models.DateTimeField(null=True)
    user_id = models.BigIntegerField(null=True)
    kind = models.CharField(max_length=1, blank=True)
    field_set = models.CharField(max_length=16)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_type", "entry_id"],
                                               name="one_link_per_history_entry")]

    def __str__(self) -> str:
        return f"link #{self.seq}"
