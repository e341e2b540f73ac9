"""Notices: telling each party what changed for it (docs/notices.md).

The domain's services build notices with :func:`notice` and store them with :func:`notify`
inside their transaction, in one bulk insert. A notice is addressed to a user, an organisation
or an audience (and, there, optionally to the holders of one role), and points at its record.
It is read through :func:`inbox`, which keeps only the notices whose record the reader may see
*now*, through the rows ``settings.CLEARINGHOUSE_NOTICE_RECORDS`` names for the record's model
(``visible_to`` by default): a record later hidden from the reader hides its notices too.

With ``CLEARINGHOUSE_NOTIFY_EMAIL`` on, new notices are also e-mailed to the users who may read
them, once the transaction has committed; a mail error is logged, never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils.module_loading import import_string

from clearinghouse.security.roles import Role, audiences, has_role

from ..models import Notice, NoticeRead
from ..services import fitted

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)
PAGE_SIZE = 25


@cache
def _readable() -> list[tuple[type[Model], Callable[[Any], QuerySet]]]:
    found = []
    for label, path in settings.CLEARINGHOUSE_NOTICE_RECORDS.items():
        model = apps.get_model(label)
        found.append((model, import_string(path) if path else model.objects.visible_to))
    return found


def readers() -> dict[int, Callable[[Any], QuerySet]]:
    """Content type id -> the rows of that model a user sees (user -> queryset). The ids are
    Django's own cache's (they are the database's, which a test's flush may renumber)."""
    return {ContentType.objects.get_for_model(model).pk: rows for model, rows in _readable()}


def notice(record: Model, text: str, *, kind: str, user: Any = None, organisation: Any = None,
           audience: str = "", role: str = "", link: str = "",
           classification: int | None = None, ceiling: int | None = None) -> Notice:
    """A notice about ``record`` (not yet stored: :func:`notify` stores a batch at once).

    ``classification`` is the highest level among what ``text`` sums up; by default the
    record's own; ``ceiling``, where given, the clearance from which readers read another
    notice of the same event instead (one counting more). ``text`` names only ``record`` and
    what every addressee may see of it.
    """
    if sum(bool(x) for x in (user, organisation, audience)) != 1:
        raise ImproperlyConfigured("A notice is addressed to one user, organisation or audience.")
    content_type = ContentType.objects.get_for_model(record)
    if content_type.pk not in readers():
        raise ImproperlyConfigured(
            f"Notices about {content_type.app_label}.{content_type.model} are not readable: "
            "name the model in settings.CLEARINGHOUSE_NOTICE_RECORDS.")
    if classification is None:
        classification = getattr(record, "classification", 0)
    return Notice(
        user=user, organisation=organisation, audience=audience, role=role, kind=kind,
        content_type=content_type, object_id=record.pk, classification=classification,
        ceiling=ceiling, text=fitted(Notice, "text", text), link=link,
    )


def notify(*notices: Notice | Iterable[Notice]) -> list[Notice]:
    """Store ``notices`` in one bulk insert (inside the caller's transaction), and e-mail them
    after it commits when e-mail is switched on."""
    flat = [n for group in notices for n in ((group,) if isinstance(group, Notice) else group)]
    if not flat:
        return []
    stored = Notice.objects.bulk_create(flat, batch_size=500)
    if getattr(settings, "CLEARINGHOUSE_NOTIFY_EMAIL", False):
        ids = [n.pk for n in stored]
        transaction.on_commit(lambda: send_email(ids), robust=True)
    return stored


# -- reading -----------------------------------------------------------------------------------

def _addressed(user: AbstractBaseUser) -> Q:
    """The notices addressed to ``user``, whose summed-up records its clearance reaches."""
    to = Q(user_id=user.pk)
    org_id = getattr(user, "organisation_id", None)
    if org_id is not None:
        to |= Q(organisation_id=org_id)
    member = audiences(user)
    if member:
        to |= Q(audience__in=sorted(member))
    held = [r for r in getattr(user, "roles", None) or () if r in Role.values and has_role(user, r)]
    cleared = Q(classification__lte=user.clearance) & (
        Q(ceiling__isnull=True) | Q(ceiling__gt=user.clearance))
    return to & (Q(role="") | Q(role__in=held)) & cleared


def _seen(user: AbstractBaseUser) -> Q:
    """Notices whose record ``user`` may see now (the record model's rows for the reader)."""
    seen = Q(pk__in=[])
    for content_type_id, rows in readers().items():
        seen |= Q(content_type_id=content_type_id) & Exists(
            rows(user).order_by().filter(pk=OuterRef("object_id")))
    return seen


def _read_by(user: AbstractBaseUser) -> Exists:
    return Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), user_id=user.pk))


def inbox(user: AbstractBaseUser) -> QuerySet[Notice]:
    """The notices ``user`` may read, newest first, each annotated ``read``."""
    if not user.is_authenticated:
        return Notice.objects.none().restricted_for(user)
    return (Notice.objects.filter(_addressed(user), _seen(user))
            .annotate(read=_read_by(user)).order_by("-created_at", "-id")
            .restricted_for(user))


def unread_count(user: AbstractBaseUser) -> int:
    """How many of ``user``'s notices are unread: one query."""
    if not user.is_authenticated:
        return 0
    return Notice.objects.filter(_addressed(user), _seen(user), ~_read_by(user)).count()


def mark_read(user: AbstractBaseUser, ids: Iterable[int] | None = None, read: bool = True) -> int:
    """Mark ``user``'s notices ``ids`` (all when None) read (or unread again); the number
    newly marked. A notice the user may not read is left as it is, unnamed."""
    rows = inbox(user).filter(read=not read)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    unread = list(rows.values_list("pk", flat=True))
    if not read:
        NoticeRead.objects.filter(user_id=user.pk, notice_id__in=unread).delete()
        return len(unread)
    NoticeRead.objects.bulk_create([NoticeRead(notice_id=pk, user_id=user.pk) for pk in unread],
                                   batch_size=500, ignore_conflicts=True)
    return len(unread)


# -- e-mail ------------------------------------------------------------------------------------

def send_email(ids: list[int]) -> None:
    """E-mail the notices ``ids`` to each active user with an address who may read them now:
    one message per user, listing them. Runs after the transaction commits; a failure is
    logged, never raised (the change it tells of is already made)."""
    try:
        notices = list(Notice.objects.filter(pk__in=ids))
        if not notices:
            return
        to = Q(pk__in={n.user_id for n in notices if n.user_id})
        to |= Q(organisation_id__in={n.organisation_id for n in notices if n.organisation_id})
        if any(n.audience for n in notices):  # membership is the reader's: checked by inbox
            to |= Q(organisation__isnull=False)
        users = (get_user_model().objects.filter(to, is_active=True).exclude(email="")
                 .select_related("organisation"))
        site = getattr(settings, "CLEARINGHOUSE_SITE_URL", "").rstrip("/")
        messages = []
        for user in users:
            mine = list(inbox(user).filter(pk__in=ids).values_list("text", "link"))
            if not mine:
                continue
            subject = (f"Clearinghouse: {mine[0][0]}" if len(mine) == 1
                       else f"Clearinghouse: {len(mine)} new notices")
            body = "\n\n".join(f"{text}\n{site}{link}" if link else text for text, link in mine)
            messages.append(EmailMessage(fitted(Notice, "text", subject), body, None,
                                         [user.email]))
        if messages:
            get_connection().send_messages(messages)
    except Exception:
        logger.exception("Notices %s could not be e-mailed", ids)
