"""The history chain's tables (core/chain.py, docs/audit.md), and the notices
(core/notices/, docs/notices.md).

One table for the whole chain, beside the history tables rather than columns in each: one
global order is one primary key (``seq``) that the database keeps unique, a walk is one index
scan, and a history entry removed with its table row still leaves its link behind, which names
what was lost.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from clearinghouse.security.models import VisibleQuerySet


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


class NoticeQuerySet(VisibleQuerySet):
    """Notices are read through ``core.notices.inbox(user)``, which restricts them to those
    addressed to the reader whose record it may still see."""


class Notice(models.Model):
    """What changed for someone (docs/notices.md): addressed to one user, one organisation or
    one audience (``all_donors``), optionally only to the holders of one role there; it points
    at its record and is shown only while the reader may see that record."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey("parties.Organisation", null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    audience = models.CharField(max_length=16, blank=True, default="")
    role = models.CharField(max_length=24, blank=True, default="",
                            help_text="Only the holders of this role (empty: everyone addressed).")
    kind = models.CharField(max_length=24)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    # The highest classification of what the text sums up (a count of pledges may tell of
    # pledges above a reader's clearance, even in its own organisation).
    classification = models.PositiveSmallIntegerField(default=0)
    # Shown only to readers cleared below this: a notice summing up records of several levels
    # comes in bands, each reader reading the one that counts all it may see (and no more).
    ceiling = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "created_at"]),
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["audience", "created_at"]),
            models.Index(fields=["content_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return self.text


class NoticeRead(models.Model):
    """That ``user`` read ``notice``: one row per reader (a notice to an organisation is read
    by each of its users on their own)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "notice"],
                                               name="one_read_per_user_and_notice")]

    def __str__(self) -> str:
        return f"notice {self.notice_id} read by {self.user_id}"
