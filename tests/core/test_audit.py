"""Tamper-evident history (issue 14, "Trust"): every history entry is a link of one hash
chain, and `clearinghouse verify-audit` names the first entry edited, deleted, reordered or
inserted. The tampering is done as someone with write access to the database would: querysets
and raw SQL around the models' save."""

import hashlib
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from clearinghouse.catalogue.models import CapabilityCoalition
from clearinghouse.core.audit import history_models, seal_existing, verify
from clearinghouse.core.chain import entry_hash, label, live_tables, payload
from clearinghouse.core.lifecycle import transition_all
from clearinghouse.core.models import ChainHead, ChainLink, FieldSet
from clearinghouse.needs.models import NEED_LIFECYCLE, Need, NeedState

from ..factories import AreaFactory, NeedFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
HistoricalNeed = Need.history.model


def all_entries() -> int:
    return sum(m._base_manager.count() for m in history_models())


def link_of(entry) -> ChainLink:
    return ChainLink.objects.get(entry_id=entry.pk, content_type__model=entry._meta.model_name)


@pytest.fixture
def needs():
    """Three needs, one edited twice, one deleted: creations, changes and a deletion."""
    made = [NeedFactory(state=NeedState.DRAFT) for _ in range(3)]
    for quantity in (150, 175):
        made[0].quantity = Decimal(quantity)
        made[0].save()
    made[2].delete()
    return made


def test_an_untouched_history_verifies_with_every_entry_in_one_chain(needs):
    walk = verify()
    assert walk.broken is None, walk.summary()
    assert walk.entries == all_entries() == ChainLink.objects.count() > 10
    seqs = list(ChainLink.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert ChainHead.objects.get().seq == len(seqs)
    assert walk.summary() == (f"{walk.entries:,} entries, chain intact "
                              f"(head {walk.entries}:{walk.head_hash[:16]})")
    kinds = set(HistoricalNeed.objects.values_list("history_type", flat=True))
    assert kinds == {"+", "~", "-"}  # the deletion is an entry of the chain too


def test_an_entry_edited_in_the_database_is_named_as_edited(needs):
    entry = HistoricalNeed.objects.filter(id=needs[0].pk).order_by("history_id")[1]
    HistoricalNeed.objects.filter(pk=entry.pk).update(quantity=Decimal("1"))
    walk = verify()
    assert walk.broken.kind == "edited" and walk.broken.seq == link_of(entry).seq
    assert f"need #{needs[0].pk}, history entry {entry.pk} (changed " in walk.summary()
    assert walk.summary().startswith("Edited: chain entry ")


def test_an_edit_is_found_whichever_field_and_the_first_one_is_named(needs):
    first = HistoricalNeed.objects.order_by("history_id").first()
    later = HistoricalNeed.objects.order_by("history_id").last()
    HistoricalNeed.objects.filter(pk=later.pk).update(history_user_id=UserFactory().pk)
    assert verify().broken.seq == link_of(later).seq
    with connection.cursor() as cursor:  # raw SQL, the way around every model
        cursor.execute(f"UPDATE {HistoricalNeed._meta.db_table} SET history_date = %s "
                       "WHERE history_id = %s", [later.history_date, first.pk])
    assert verify().broken.seq == link_of(first).seq


def test_deleting_an_account_keeps_the_chain_but_nulling_a_user_breaks_it(needs):
    """An account's deletion sets its entries' user to NULL (SET_NULL): not tampering. The
    same NULL written over an existing user's entry is."""
    author, other = UserFactory(), UserFactory()
    for user in (author, other):
        need = Need.objects.get(pk=needs[0].pk)
        need._history_user = user
        need.save()
    written = HistoricalNeed.objects.get(history_user=author).pk
    author.delete()
    assert HistoricalNeed.objects.get(pk=written).history_user_id is None
    assert verify().broken is None
    entry = HistoricalNeed.objects.get(history_user=other)
    HistoricalNeed.objects.filter(pk=entry.pk).update(history_user=None)
    walk = verify()
    assert walk.broken.kind == "edited" and walk.broken.seq == link_of(entry).seq


def test_a_deleted_entry_is_named_as_deleted(needs):
    entry = HistoricalNeed.objects.filter(id=needs[1].pk).get()
    HistoricalNeed.objects.filter(pk=entry.pk).delete()
    walk = verify()
    assert walk.broken.kind == "deleted" and walk.broken.seq == link_of(entry).seq
    assert f"need #{needs[1].pk}, history entry {entry.pk} (created" in walk.summary()
    assert "no longer stored" in walk.summary()


def test_an_entry_deleted_with_its_link_is_a_gap_named_by_its_neighbours(needs):
    link = ChainLink.objects.order_by("seq")[4]
    ChainLink.objects.filter(pk=link.pk).delete()
    walk = verify()
    assert walk.broken.kind == "deleted" and walk.broken.seq == link.seq
    assert f"chain entry {link.seq} is missing" in walk.summary()


def test_a_deletion_closed_up_by_renumbering_is_still_a_deletion(needs):
    link = ChainLink.objects.order_by("seq")[4]
    ChainLink.objects.filter(pk=link.pk).delete()
    for later in ChainLink.objects.filter(seq__gt=link.seq).order_by("seq"):
        ChainLink.objects.filter(pk=later.seq).update(seq=later.seq - 1)
    ChainHead.objects.update(seq=ChainLink.objects.count())
    walk = verify()
    assert walk.broken.kind == "deleted" and walk.broken.seq == link.seq
    assert "follows is missing" in walk.summary()


def test_the_end_of_the_chain_deleted_is_found_from_the_head(needs):
    last = ChainLink.objects.order_by("-seq").first()
    ChainLink.objects.filter(pk=last.pk).delete()
    last.content_type.model_class()._base_manager.filter(pk=last.entry_id).delete()
    walk = verify()
    assert walk.broken.kind == "deleted" and walk.broken.seq == last.seq
    assert f"its head names entry {last.seq}" in walk.summary()


def test_two_entries_swapped_are_named_as_reordered(needs):
    a, b = ChainLink.objects.order_by("seq")[3:5]
    ChainLink.objects.filter(pk=a.seq).update(seq=-1)
    ChainLink.objects.filter(pk=b.seq).update(seq=a.seq)
    ChainLink.objects.filter(pk=-1).update(seq=b.seq)
    walk = verify()
    assert walk.broken.kind == "reordered" and walk.broken.seq == a.seq
    assert walk.summary().startswith(f"Reordered: chain entry {a.seq}:")
    assert f"was written after chain entry {b.seq}:" in walk.summary()


def test_the_last_entry_moved_out_of_the_numbering_is_found(needs):
    last = ChainLink.objects.order_by("-seq").first()
    ChainLink.objects.filter(pk=last.seq).update(seq=-last.seq)
    ChainHead.objects.update(seq=last.seq - 1, hash=last.prev_hash)  # the head moved back too
    walk = verify()
    assert walk.broken.kind == "reordered" and walk.broken.seq == -last.seq


def test_a_head_deleted_by_hand_is_named_and_does_not_stop_writing(needs):
    ChainHead.objects.all().delete()
    assert verify().broken.words == "Deleted: the chain's head is missing."
    NeedFactory()  # the next entry rebuilds the head at the last link, and follows it
    assert verify().broken is None


def test_links_past_the_head_are_named_as_inserted(needs):
    head = ChainHead.objects.get()
    ChainHead.objects.update(seq=head.seq - 1)
    assert verify().broken.kind == "inserted"


def test_an_entry_written_around_the_chain_is_named_as_inserted(needs):
    forged = HistoricalNeed.objects.order_by("history_id").first()
    forged.pk = None
    HistoricalNeed._base_manager.bulk_create([forged])  # the plain manager: no link
    walk = verify()
    assert walk.broken.kind == "inserted"
    assert f"history entry {forged.pk} is in the history but not in the chain" in walk.summary()


def test_a_forged_link_spliced_into_the_chain_is_named_as_inserted(needs):
    at = ChainLink.objects.order_by("seq")[4]
    for later in ChainLink.objects.filter(seq__gte=at.seq).order_by("-seq"):
        ChainLink.objects.filter(pk=later.seq).update(seq=later.seq + 1)
    forged = HistoricalNeed.objects.order_by("history_id").first()
    forged.pk = None
    HistoricalNeed._base_manager.bulk_create([forged])
    body = payload(label(HistoricalNeed), forged, FieldSet.objects.get(
        model=label(HistoricalNeed)).names.split(","))
    model_link = link_of(HistoricalNeed.objects.order_by("history_id").first())
    ChainLink.objects.create(
        seq=at.seq, content_type=model_link.content_type, entry_id=forged.pk,
        record_id=str(forged.id), entry_date=forged.history_date, user_id=None,
        kind=forged.history_type, field_set=model_link.field_set, prev_hash=at.prev_hash,
        hash=entry_hash(at.prev_hash, body, key="not the key"))
    walk = verify()
    assert walk.broken.kind == "inserted" and walk.broken.seq == at.seq


def test_a_hash_recomputed_without_the_key_does_not_hide_an_edit(needs):
    """Someone with the database alone recomputes the edited entry's hash: plain SHA-256, or
    an HMAC with a guessed key; neither matches."""
    entry = HistoricalNeed.objects.order_by("history_id").first()
    HistoricalNeed.objects.filter(pk=entry.pk).update(quantity=Decimal("9"))
    entry.refresh_from_db()
    link = link_of(entry)
    body = payload(label(HistoricalNeed), entry, FieldSet.objects.get(pk=link.field_set)
                   .names.split(","))
    for forged in (hashlib.sha256(link.prev_hash.encode() + b"\n" + body).hexdigest(),
                   entry_hash(link.prev_hash, body, key="")):
        ChainLink.objects.filter(pk=link.pk).update(hash=forged)
        assert verify().broken.kind == "edited"
    # with the key it would pass: the check is the key, not luck
    ChainLink.objects.filter(pk=link.pk).update(hash=entry_hash(link.prev_hash, body))
    assert verify().broken.seq == link.seq + 1  # the next entry follows the old hash


def test_bulk_updates_with_history_are_chained():
    made = [NeedFactory(state=NeedState.DRAFT) for _ in range(7)]
    user = UserFactory()
    with transaction.atomic():
        locked = list(Need.objects.filter(pk__in=[n.pk for n in made]).select_for_update())
        transition_all(locked, NEED_LIFECYCLE, "submit", user)
    changed = HistoricalNeed.objects.filter(history_type="~", history_user=user)
    assert changed.count() == 7
    assert ChainLink.objects.filter(entry_id__in=changed.values("pk"),
                                    content_type__model="historicalneed").count() == 7
    assert verify().broken is None
    HistoricalNeed.objects.filter(pk=changed.last().pk).update(state=NeedState.DRAFT)
    assert verify().broken.kind == "edited"


def test_many_to_many_history_is_chained():
    coalition = CapabilityCoalition.objects.create(name="Air defence", area=AreaFactory())
    coalition.lead_nations.add(OrganisationFactory(), OrganisationFactory())
    m2m = [m for m in history_models() if m._meta.pk.name == "m2m_history_id"
           and m._meta.model_name.startswith("historicalcapabilitycoalition")][0]
    assert m2m._base_manager.count() == 2
    assert verify().broken is None
    m2m._base_manager.filter(pk=m2m._base_manager.first().pk).update(
        organisation_id=OrganisationFactory().pk)
    walk = verify()
    assert walk.broken.kind == "edited" and "capability coalition (lead nations)" in walk.summary()


def test_the_demo_loader_chains_every_entry_it_writes():
    from clearinghouse.demo import store

    store.load(7, 1.0)
    walk = verify()
    assert walk.broken is None, walk.summary()
    assert walk.entries == all_entries() > 5000
    store.load(7, 1.0, reset_first=True)  # a reset empties the history: a new chain starts
    assert verify().broken is None and ChainLink.objects.order_by("seq").first().seq == 1


def test_a_history_written_before_the_chain_is_sealed_once(needs):
    ChainLink.objects.all().delete()
    ChainHead.objects.all().delete()
    assert verify().broken.kind == "inserted"
    sealed = seal_existing(history_models(), live_tables())
    assert sealed == all_entries()
    assert verify().broken is None
    dates = [link.entry_date for link in ChainLink.objects.order_by("seq")]
    assert dates == sorted(dates)  # history_date order
    assert seal_existing(history_models(), live_tables()) == 0  # never around a chain


def test_the_command_exits_zero_with_a_summary_or_one_naming_the_break(needs, capsys):
    call_command("verify_audit", verbosity=0)
    assert "entries, chain intact" in capsys.readouterr().out
    HistoricalNeed.objects.filter(pk=HistoricalNeed.objects.first().pk).update(quantity=3)
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_audit", verbosity=0, chunk=2)
    assert exit_.value.code == 1
    assert capsys.readouterr().err.startswith("Edited: chain entry ")


def test_a_head_recorded_earlier_catches_a_history_cut_short(needs, capsys):
    """Cut the end off and move the head back: a valid, shorter chain, which only a head kept
    outside the database can tell."""
    call_command("verify_audit", verbosity=0)
    recorded = capsys.readouterr().out.split("(head ")[1].rstrip(")\n")
    seq = int(recorded.split(":")[0])
    last = ChainLink.objects.get(seq=seq)
    last.content_type.model_class()._base_manager.filter(pk=last.entry_id).delete()
    last.delete()
    ChainHead.objects.update(seq=seq - 1, hash=last.prev_hash)
    assert verify().broken is None  # what is left is a valid chain
    with pytest.raises(SystemExit):
        call_command("verify_audit", verbosity=0, expect=recorded)
    assert capsys.readouterr().err.startswith("Deleted or rewritten: the chain no longer holds")
    NeedFactory()  # a later head descends from it
    assert verify(expect=(seq - 1, last.prev_hash[:16])).broken is None


def test_walking_in_small_chunks_finds_the_same(needs):
    assert verify(chunk=1).entries == verify(chunk=3).entries == verify().entries
    link = ChainLink.objects.order_by("seq")[7]
    ChainLink.objects.filter(pk=link.pk).update(kind="+" if link.kind != "+" else "~")
    assert verify(chunk=1).broken.seq == verify(chunk=5).broken.seq == link.seq


WRITERS = 6
SAVES = 10
SETUP = f"""
from tests.factories import NeedFactory
print(" ".join(str(NeedFactory(state="draft").pk) for _ in range({WRITERS})))
"""
WRITE = f"""
import os
from decimal import Decimal
from django.db import transaction
from clearinghouse.needs.models import Need
for n in range({SAVES}):
    with transaction.atomic():
        need = Need.objects.get(pk=int(os.environ["WRITE_NEED"]))
        need.quantity = Decimal(200 + n)
        need.save()
"""


def test_concurrent_writers_keep_one_chain(tmp_path):
    """Writer processes, each saving its own need ten times, each save its own transaction,
    all at once against one database of the suite's engine (PostgreSQL in CI's second run):
    the head's lock gives one order, no gap, no fork."""
    import subprocess
    import sys

    from tests.processes import ROOT, manage, own_database

    with own_database(tmp_path) as database:
        env = database.env()
        manage(env, "migrate", "-v0")
        needs = manage(env, "shell", "-v0", "-c", SETUP).split()
        writers = [subprocess.Popen(
            [sys.executable, "-m", "clearinghouse", "shell", "-v0", "-c", WRITE], cwd=ROOT,
            env={**env, "WRITE_NEED": need}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
            for need in needs]
        for writer in writers:
            _, errors = writer.communicate(timeout=300)
            assert writer.returncode == 0, errors[-2000:]
        said = manage(env, "verify-audit")
        (saved,), = database.rows("SELECT count(*) FROM needs_historicalneed WHERE "
                                  "history_type = '~'")
    assert "chain intact" in said, said
    assert saved == WRITERS * SAVES


def test_every_history_table_is_a_link_of_the_chain():
    """A model given plain ``HistoricalRecords`` instead of ``core.chain.History`` would write
    entries outside the chain, which verify-audit then names as inserted."""
    from clearinghouse.core.chain import ChainedHistory

    tables = history_models()
    assert len(tables) >= 15  # every app's records and the many-to-many histories
    assert [label(m) for m in tables if not issubclass(m, ChainedHistory)] == []
