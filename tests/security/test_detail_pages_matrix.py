"""The permission matrix (test_permission_matrix.py) through the HTML detail pages.

Needs, pledges and stock positions: a visible record's page answers 200 under a banner at least
its classification, an invisible one 404 without naming it, and a "V anon" pledge's page (its
facts and its history) never names its donor, its depot or the donor's users. The edit and
action URLs answer 404 where the record is invisible, and 403 where it is visible but not the
reader's to change.
"""

import re

import pytest
import rules
from django.urls import reverse

from .test_permission_matrix import CELLS, COLUMNS, ROLES, VISIBLE, Problems, leaks, record_text
from .world import DONOR_A, KINDS

pytestmark = pytest.mark.django_db

DETAIL = {"pledge": "pledges:detail", "need": "needs:detail", "stock": "pledges:stock-detail"}
EDIT = {"pledge": ("pledges:edit", "pledges.change_pledge"),
        "need": ("needs:edit", "needs.change_need")}
ACT = {"pledge": ("pledges:act", "withdraw"), "need": ("needs:act", "cancel")}
PAGE_CELLS = [pytest.param(r, c, id=f"{r}-{c}") for r in ROLES for c in COLUMNS
              if KINDS[c][0] in DETAIL]


@pytest.mark.parametrize(("role", "column"), PAGE_CELLS)
def test_detail_pages(world, admin_client_for, role, column):
    cell, kind = CELLS[role, column], KINDS[column][0]
    record, visible = world.record(column, role), cell in VISIBLE
    user = world.users[role]
    client = admin_client_for(user)
    p = Problems()

    reply = client.get(reverse(DETAIL[kind], args=[record.pk]))
    text = reply.content.decode()
    p.expect("detail", reply.status_code == (200 if visible else 404),
             f"status {reply.status_code}")
    if not visible:
        p.expect("detail 404 body", record_text(record) not in text, "names the record")
    else:
        p.expect("detail shows", record_text(record) in text, "does not show the record")
        banner = re.search(r'data-classification="(\d)"', text)
        p.expect("banner", banner is not None and int(banner.group(1)) >= record.classification,
                 f"{banner and banner.group(1)} < {record.classification}")
    if cell == "V anon":
        p.expect("anonymous donor", "anonymous" in text, "no 'anonymous'")
        p.expect("detail leak", not leaks(text), f"{leaks(text)}")
    if kind == "pledge" and cell == "V":
        p.expect("donor shown", record.owner.name in text, "no donor name")
        if column == "anon_a":
            p.expect("donor shown", DONOR_A in text and "u-donor_a" in text,
                     "the donor or its user is missing for who may see them")

    if kind in EDIT:
        name, perm = EDIT[kind]
        edit = client.get(reverse(name, args=[record.pk]))
        expected = 404 if not visible else (200 if rules.has_perm(perm, user, record) else 403)
        p.expect("edit", edit.status_code == expected, f"status {edit.status_code} != {expected}")
        name, action = ACT[kind]
        url = reverse(name, args=[record.pk, action])
        act = client.post(url, {"version": record.version})
        if not visible:
            p.expect("act", act.status_code == 404, f"status {act.status_code}")
            p.expect("confirm", client.get(url).status_code == 404, "confirmation page shown")
        else:
            allowed = rules.has_perm(f"{kind}s.{action}_{kind}", user, record)
            p.expect("act", act.status_code == (303 if allowed else 403),
                     f"status {act.status_code}")
        record.refresh_from_db()
    p.done(role, column)
