"""Safe by default (issue 14, finding 2 and "what to build" 1): debug only when asked for, our
own error pages that reveal nothing, a secret key kept under var/, one production switch that
refuses to start half-configured and passes Django's deployment checks, and no answer cached."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
KEY = "k" * 64


def python(code: str, var: Path, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("CLEARINGHOUSE_", "DJANGO_", "DATABASE_URL"))}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**base, "CLEARINGHOUSE_VAR": str(var),
                                            "DJANGO_SETTINGS_MODULE": "clearinghouse.settings",
                                            **env})


SHOW = "import clearinghouse.settings as s; print(s.DEBUG, s.SECRET_KEY)"


def test_debug_is_off_unless_a_developer_asks_and_never_in_production(tmp_path):
    assert python(SHOW, tmp_path).stdout.split()[0] == "False"
    assert python(SHOW, tmp_path, CLEARINGHOUSE_DEBUG="1").stdout.split()[0] == "True"
    assert python(SHOW, tmp_path, CLEARINGHOUSE_DEBUG="1", CLEARINGHOUSE_PRODUCTION="1",
                  CLEARINGHOUSE_SECRET_KEY=KEY, CLEARINGHOUSE_ALLOWED_HOSTS="ch.example"
                  ).stdout.split()[0] == "False"


def test_two_step_sign_in_is_required_in_production_and_off_in_the_embedded_default(tmp_path):
    show = "import clearinghouse.settings as s; print(s.CLEARINGHOUSE_REQUIRE_2FA)"
    production = {"CLEARINGHOUSE_PRODUCTION": "1", "CLEARINGHOUSE_SECRET_KEY": KEY,
                  "CLEARINGHOUSE_ALLOWED_HOSTS": "ch.example"}
    assert python(show, tmp_path).stdout.strip() == "False"
    assert python(show, tmp_path, CLEARINGHOUSE_REQUIRE_2FA="1").stdout.strip() == "True"
    assert python(show, tmp_path, **production).stdout.strip() == "True"
    assert python(show, tmp_path, CLEARINGHOUSE_REQUIRE_2FA="0", **production
                  ).stdout.strip() == "True"  # production cannot turn it off


def test_the_embedded_default_makes_a_secret_key_once_and_keeps_it(tmp_path):
    first = python(SHOW, tmp_path).stdout.split()[1]
    assert len(first) >= 50 and python(SHOW, tmp_path).stdout.split()[1] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # the owner's alone
    assert python(SHOW, tmp_path / "other").stdout.split()[1] != first


@pytest.mark.parametrize(("env", "words"), [
    ({}, "CLEARINGHOUSE_SECRET_KEY"),
    ({"CLEARINGHOUSE_SECRET_KEY": "short"}, "CLEARINGHOUSE_SECRET_KEY"),
    ({"CLEARINGHOUSE_SECRET_KEY": KEY}, "CLEARINGHOUSE_ALLOWED_HOSTS"),
])
def test_production_refuses_to_start_half_configured(tmp_path, env, words):
    run = python(SHOW, tmp_path, CLEARINGHOUSE_PRODUCTION="1", **env)
    assert run.returncode != 0 and words in run.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_passes_the_deployment_checks(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "clearinghouse", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        # Nothing of the test run's environment that a deployment would not have (the browser
        # tests allow async-unsafe ORM calls in this process from their first test on).
        env={**{k: v for k, v in os.environ.items()
                if not k.startswith("CLEARINGHOUSE_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
             "CLEARINGHOUSE_VAR": str(tmp_path), "CLEARINGHOUSE_PRODUCTION": "1",
             "CLEARINGHOUSE_SECRET_KEY": KEY + "-x9!Q", "CLEARINGHOUSE_ALLOWED_HOSTS":
             "ch.example"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no issues" in run.stdout


@pytest.mark.django_db
def test_a_fault_shows_our_page_and_nothing_of_the_data(coordinator, monkeypatch):
    from clearinghouse.reports import views

    def broken(user):
        secret = {"owner_id": 4242, "anonymous": True}  # what a traceback's locals would show
        raise RuntimeError(f"lost {secret}")

    monkeypatch.setattr(views, "SECTIONS", ((coordinator.roles[0], "", broken),))
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    reply = client.get("/")
    body = reply.content.decode()
    assert reply.status_code == 500 and "Something went wrong" in body
    assert "4242" not in body and "Traceback" not in body and "owner_id" not in body


@pytest.mark.django_db
def test_a_404_lists_no_address_of_the_site(coordinator):
    client = Client()
    client.force_login(coordinator)
    reply = client.get("/no/such/page/")
    body = reply.content.decode()
    assert reply.status_code == 404 and "Not found" in body
    assert "api/" not in body and "URLconf" not in body


@pytest.mark.django_db
def test_no_answer_is_kept_by_a_browser_or_a_proxy(api, coordinator):
    client = Client()
    client.force_login(coordinator)
    for reply in (client.get("/"), client.get("/needs/"), client.get("/no/such/page/"),
                  api.as_(coordinator).get("/api/needs/"), Client().get("/accounts/login/")):
        assert "no-store" in reply["Cache-Control"] and "private" in reply["Cache-Control"]
