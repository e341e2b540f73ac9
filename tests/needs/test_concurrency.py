"""Fifty clients editing the same need at once through a real server (issue 14's fault test):
every edit made on the version it read is applied once, every other is refused with 409, none
is lost, none answers 5xx, and the history stays one unbroken chain. The server runs as its own
process on a SQLite file, as `make run` serves, with its own database."""

import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.processes import SERVE, call, free_port

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 50
SETUP = """
from clearinghouse.needs.models import Need
from clearinghouse.parties.models import ApiToken, Organisation, Region, User
from clearinghouse.catalogue.models import CapabilityArea, ItemType
ukr = Organisation.objects.create(code="UKR", name="Ukraine", kind="recipient", iso3="UKR")
user = User.objects.create(username="planner", organisation=ukr, roles=["recipient_planner"],
                           clearance=2)
area = CapabilityArea.objects.create(code="ad", name="Air defence")
item = ItemType.objects.create(name="Shell", supply_class="1320", area=area, unit_mass_kg=1,
                               unit_of_issue="EA", lethal=True,
                               pallets_per_unit=0.1, unit_value_eur=1)
need = Need.objects.create(owner=ukr, item_type=item, quantity=10, priority=1,
                           required_by="2030-01-01",
                           region=Region.objects.create(code="east", name="East"))
print(need.pk, ApiToken.issue(user)[1])
"""


def test_fifty_clients_editing_one_need_lose_nothing(tmp_path):
    env = {**{k: v for k, v in os.environ.items()
              if not k.startswith(("CLEARINGHOUSE_", "DJANGO_", "DATABASE_URL"))},
           "CLEARINGHOUSE_VAR": str(tmp_path), "CLEARINGHOUSE_USER_RATE": "100000/minute"}

    def manage(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "clearinghouse", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    manage("migrate", "-v0")
    need_id, key = manage("shell", "-v0", "-c", SETUP).split()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVE, f"127.0.0.1:{port}"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    url = f"http://127.0.0.1:{port}/api/needs/{need_id}/"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if call(url, key)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)

        def edit(i: int) -> int:
            _, read = call(url, key)
            return call(url, key, "PATCH", {"justification": f"edit {i}",
                                            "version": read["version"]})[0]

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            statuses = list(pool.map(edit, range(CLIENTS)))
    finally:
        server.terminate()
        server.wait(10)
    assert set(statuses) <= {200, 409}, statuses
    applied = statuses.count(200)
    assert applied >= 1
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        version, = db.execute("SELECT version FROM needs_need WHERE id = ?", (need_id,)).fetchone()
        edits = db.execute("SELECT count(*) FROM needs_historicalneed WHERE id = ? AND "
                           "justification LIKE 'edit %'", (need_id,)).fetchone()[0]
    assert version == 1 + applied  # each applied edit once, on the version it read
    assert edits == applied  # and each is in the history: none lost
    assert "chain intact" in manage("verify-audit", "-v0")  # in one chain (docs/audit.md)
