"""Two-step sign-in (issue 14, "Trust"): a TOTP second factor with recovery codes, required of
coordinators and administrators when CLEARINGHOUSE_REQUIRE_2FA is on (always in production:
tests/test_settings.py), asked of anyone who set one up, and on every sign-in path: the pages,
the admin, the API's session and /api/token/. Real django-otp devices throughout: the codes are
computed from the device's key, as an authenticator app does."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from clearinghouse.parties import second_factor as sf
from clearinghouse.parties.models import OrganisationKind
from clearinghouse.security.roles import Classification, Role

from ..factories import OrgOfKindFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-pass-phrase-1"


@pytest.fixture
def required(settings):
    settings.CLEARINGHOUSE_REQUIRE_2FA = True


def account(username, organisation, role, **extra):
    user = UserFactory(username=username, organisation=organisation, roles=[role] if role else [],
                       clearance=Classification.CONFIDENTIAL, is_staff=True, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def chief(coordinator_org):
    return account("chief", coordinator_org, Role.COORDINATOR)


@pytest.fixture
def operator():
    return account("operator", OrgOfKindFactory(kind=OrganisationKind.PLATFORM, code="OPS",
                                                name="Platform"), Role.ADMINISTRATOR)


@pytest.fixture
def giver(donor_org):
    return account("giver", donor_org, Role.DONOR_REPRESENTATIVE)


def code(device, ahead=0) -> str:
    """The six digits the app shows now (``ahead``: that many steps of 30 s later)."""
    device.refresh_from_db()
    digits = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    return f"{digits:06d}"


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    """``user`` with an app set up, and its recovery codes."""
    app = sf.start_app(user)
    return app, sf.confirm_app(app)


def later(user, seconds=3600) -> None:
    """Time passes: the waits that wrong codes imposed on the user's devices are over."""
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, throttling_failure_timestamp__isnull=False):
            device.throttling_failure_timestamp -= timedelta(seconds=seconds)
            device.save(update_fields=["throttling_failure_timestamp"])


def signed_in(user) -> Client:
    """A client past the password (the first step) only."""
    client = Client()
    reply = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert reply.status_code == 302, reply.status_code
    return client


def verify(client, value, next_="/pledges/"):
    return client.post("/accounts/verify/", {"code": value, "next": next_})


def token(user, **extra):
    return APIClient().post("/api/token/", {"username": user.username, "password": PASSWORD,
                                            **extra})


def sent_to(reply) -> str:
    assert reply.status_code == 302, reply.status_code
    return reply["Location"].split("?")[0]


# -- Required: coordinators and administrators ----------------------------------------------------


@pytest.mark.usefixtures("required")
@pytest.mark.parametrize("who", ["chief", "operator", "superuser"])
def test_without_a_second_factor_a_coordinator_or_administrator_reaches_only_its_set_up(
        request, who, giver):
    user = (account("root", None, None, is_superuser=True)
            if who == "superuser" else request.getfixturevalue(who))
    client = signed_in(user)
    for page in ("/", "/pledges/", "/needs/", "/admin/", "/admin/parties/user/"):
        assert sent_to(client.get(page)) == "/accounts/two-factor/set-up/", page
    refused = client.get("/api/needs/")
    assert refused.status_code == 403 and "second factor" in refused.json()["detail"]
    assert client.get("/accounts/two-factor/").status_code == 200
    assert sent_to(client.get("/accounts/verify/")) == "/accounts/two-factor/set-up/"
    set_up = client.get("/accounts/two-factor/set-up/")
    assert set_up.status_code == 200 and 'href="/pledges/"' not in set_up.content.decode()
    # A donor need not have one: the password alone still signs in.
    assert signed_in(giver).get("/pledges/").status_code == 200


@pytest.mark.usefixtures("required")
def test_setting_up_the_app_shows_its_key_and_the_recovery_codes_once(chief):
    client = signed_in(chief)
    page = client.get("/accounts/two-factor/set-up/")
    body = page.content.decode()
    app = TOTPDevice.objects.get(user=chief, confirmed=False)
    assert "<svg" in body and 'role="img"' in body and "<script" not in body.split("<main")[1]
    assert sf.secret_text(app) in body
    assert client.get("/accounts/two-factor/set-up/").content.decode().count(
        sf.secret_text(app)) == 1  # the same key when opened again
    wrong = client.post("/accounts/two-factor/set-up/", {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    later(chief)
    assert sent_to(client.get("/pledges/")) == "/accounts/two-factor/set-up/"
    done = client.post("/accounts/two-factor/set-up/", {"code": code(app)})
    shown = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert done.status_code == 200 and len(shown) == 10
    assert sorted(shown) == sorted(StaticToken.objects.filter(device__user=chief)
                                   .values_list("token", flat=True))
    app.refresh_from_db()
    assert app.confirmed
    # The session that set it up counts as verified; the codes are not shown again.
    assert client.get("/pledges/").status_code == 200
    assert not set(shown) & set(re.findall(r"\w+", client.get("/accounts/two-factor/")
                                           .content.decode()))


@pytest.mark.usefixtures("required")
def test_after_the_password_a_wrong_code_is_refused_and_the_right_one_lets_in(chief):
    app, _ = enrolled(chief)
    client = signed_in(chief)
    assert sent_to(client.get("/pledges/")) == "/accounts/verify/"
    assert sent_to(client.get("/admin/")) == "/accounts/verify/"
    assert client.get("/api/needs/").status_code == 403
    # Neither a new app nor new recovery codes, nor removing it, before the code is entered.
    assert sent_to(client.get("/accounts/two-factor/set-up/")) == "/accounts/verify/"
    assert sent_to(client.post("/accounts/two-factor/recovery-codes/")) == "/accounts/verify/"
    assert sent_to(client.get("/accounts/two-factor/remove/")) == "/accounts/verify/"

    wrong = f"{(int(code(app)) + 1) % 10**6:06d}"
    refused = verify(client, wrong)
    assert refused.status_code == 200 and "That code is not right" in refused.content.decode()
    assert sent_to(client.get("/pledges/")) == "/accounts/verify/"
    # Each wrong code doubles the wait before the next one is even looked at.
    hurried = verify(client, code(app))
    assert "Too many wrong codes: wait" in hurried.content.decode()
    later(chief, seconds=2)  # the first wrong code's wait: a second
    assert sent_to(verify(client, code(app))) == "/pledges/"
    for page in ("/pledges/", "/admin/", "/api/needs/"):
        assert client.get(page).status_code == 200, page
    assert 'href="/pledges/"' in client.get("/").content.decode()  # the navigation is back
    # A code is good once: the same six digits do not sign in a second session.
    assert "That code is not right" in verify(signed_in(chief), code(app)).content.decode()


def test_the_wait_grows_with_each_wrong_code_and_is_said_in_plain_words(chief):
    app, _ = enrolled(chief)
    client = signed_in(chief)
    TOTPDevice.objects.filter(pk=app.pk).update(throttling_failure_count=15,
                                                throttling_failure_timestamp=timezone.now())
    reply = verify(client, code(app))  # right, but 2^14 seconds too early
    assert "Too many wrong codes: wait 5 hours and try again." in reply.content.decode()
    assert sent_to(client.get("/pledges/")) == "/accounts/verify/"


@pytest.mark.usefixtures("required")
def test_a_recovery_code_works_once(chief):
    _, codes = enrolled(chief)
    client = signed_in(chief)
    typed = f" {codes[3][:4].upper()}-{codes[3][4:]} "  # as read out: spaces, case, a dash
    assert sent_to(verify(client, typed)) == "/pledges/"
    page = client.get("/pledges/")
    assert page.status_code == 200 and "9 left" in page.content.decode()
    again = verify(signed_in(chief), codes[3])
    assert "That code is not right" in again.content.decode()
    assert sf.recovery_codes_left(chief) == 9


@pytest.mark.usefixtures("required")
def test_new_recovery_codes_replace_the_old(chief):
    _, old = enrolled(chief)
    client = signed_in(chief)
    verify(client, old[0])
    made = client.post("/accounts/two-factor/recovery-codes/")
    new = re.findall(r"<li><code>(\w+)</code></li>", made.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert "That code is not right" in verify(signed_in(chief), old[1]).content.decode()
    later(chief)
    assert sent_to(verify(signed_in(chief), new[1])) == "/pledges/"


@pytest.mark.usefixtures("required")
def test_removing_the_second_factor_asks_for_a_code(chief):
    app, codes = enrolled(chief)
    client = signed_in(chief)
    verify(client, codes[0])
    assert client.get("/accounts/two-factor/remove/").status_code == 200
    refused = client.post("/accounts/two-factor/remove/", {"code": "nothing1"})
    assert "That code is not right" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=chief).exists()
    assert sent_to(client.post("/accounts/two-factor/remove/", {"code": code(app)})
                   ) == "/accounts/two-factor/"
    assert not TOTPDevice.objects.filter(user=chief).exists()
    assert not StaticDevice.objects.filter(user=chief).exists()
    # A coordinator must have one: set up again before anything else.
    assert sent_to(client.get("/pledges/")) == "/accounts/two-factor/set-up/"


def test_an_administrator_removes_a_lost_second_factor_in_the_admin(chief, operator):
    enrolled(chief)
    admin = Client()
    admin.force_login(operator)
    reply = admin.post("/admin/parties/user/", {"action": "remove_second_factor",
                                                "_selected_action": [chief.pk]})
    assert reply.status_code == 302
    assert not sf.has_second_factor(chief) and not StaticDevice.objects.filter(user=chief)
    assert signed_in(chief).get("/pledges/").status_code == 200  # 2FA off: the password alone


# -- Anyone who set one up is asked for it, required or not ------------------------------------


@pytest.mark.parametrize("required_2fa", [True, False])
def test_a_donor_who_set_one_up_is_asked_for_it(settings, giver, required_2fa):
    settings.CLEARINGHOUSE_REQUIRE_2FA = required_2fa
    assert signed_in(giver).get("/pledges/").status_code == 200  # none set up: password alone
    app, _ = enrolled(giver)
    client = signed_in(giver)
    assert sent_to(client.get("/pledges/")) == "/accounts/verify/"
    assert sent_to(verify(client, code(app))) == "/pledges/"
    assert client.get("/pledges/").status_code == 200
    assert token(giver).status_code == 400
    assert token(giver, otp=code(app, ahead=1)).status_code == 200


# -- The API: a key is given for a password and a code -----------------------------------------


@pytest.mark.usefixtures("required")
def test_the_token_endpoint_asks_a_coordinator_for_the_code(chief):
    unset = token(chief)
    assert unset.status_code == 400 and "/accounts/two-factor/" in unset.json()["otp"][0]
    app, codes = enrolled(chief)
    missing = token(chief)
    assert missing.status_code == 400 and "otp" in missing.json()
    wrong = token(chief, otp=f"{(int(code(app)) + 1) % 10**6:06d}")
    assert wrong.status_code == 400 and "not right" in wrong.json()["otp"][0]
    later(chief)
    given = token(chief, otp=code(app))
    assert given.status_code == 200
    key = APIClient()
    key.credentials(HTTP_AUTHORIZATION=f"Token {given.json()['token']}")
    assert key.get("/api/needs/").status_code == 200  # a key's caller passed both steps
    assert token(chief, otp=codes[0]).status_code == 200  # a recovery code, once
    assert token(chief, otp=codes[0]).status_code == 400


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_key_given_for_the_password_alone_stops_working_when_a_code_is_required(
        settings, chief):
    old = token(chief).json()["token"]  # the demo: the password alone
    assert with_key(old).get("/api/needs/").status_code == 200
    settings.CLEARINGHOUSE_REQUIRE_2FA = True  # the deployment turns production on
    refused = with_key(old).get("/api/needs/")
    assert refused.status_code in (401, 403) and "second factor" in refused.json()["detail"]
    app, _ = enrolled(chief)
    new = token(chief, otp=code(app)).json()["token"]
    assert with_key(new).get("/api/needs/").status_code == 200
    # Keys made by a caller who passed both steps pass too: with such a key, or in a session
    # that entered its code.
    made = with_key(new).post("/api/tokens/", {"name": "nightly"}, format="json")
    assert made.status_code == 201
    assert with_key(made.json()["token"]).get("/api/needs/").status_code == 200
    session = signed_in(chief)
    verify(session, code(app, ahead=1))
    made = session.post("/api/tokens/", {"name": "laptop"}, content_type="application/json")
    assert made.status_code == 201
    assert with_key(made.json()["token"]).get("/api/needs/").status_code == 200
    listed = {t["name"]: t["second_factor"] for t in
              with_key(new).get("/api/tokens/").json()["results"]}
    assert listed == {"signed in with a password": False,
                      "signed in with a password and a code": True,
                      "nightly": True, "laptop": True}


def test_wrong_codes_count_toward_the_lockout_on_every_path(settings, chief):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the lockout alone here; the wait is tested above
    app, _ = enrolled(chief)
    for _ in range(4):
        assert token(chief, otp="000000").status_code == 400
    assert token(chief, otp="000000").status_code == 429  # the fifth wrong code: locked
    assert token(chief, otp=code(app)).status_code == 429  # the right code too, now
    assert Client().post("/accounts/login/", {"username": "chief", "password": PASSWORD}
                         ).status_code == 429


def test_wrong_codes_on_the_page_lock_the_account_and_sign_it_out(settings, chief):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    enrolled(chief)
    client = signed_in(chief)
    for _ in range(4):
        assert verify(client, "000000").status_code == 200
    assert verify(client, "000000").status_code == 429
    assert sent_to(client.get("/pledges/")) == "/accounts/login/"  # signed out
    assert Client().post("/accounts/login/", {"username": "chief", "password": PASSWORD}
                         ).status_code == 429


# -- Off, as in the embedded demo -------------------------------------------------------------


def test_with_two_step_sign_in_off_the_password_alone_signs_in(settings, chief, operator):
    settings.CLEARINGHOUSE_REQUIRE_2FA = False
    for user in (chief, operator):
        client = signed_in(user)
        for page in ("/pledges/", "/admin/", "/api/needs/"):
            assert client.get(page).status_code == 200, (user, page)
        assert token(user).status_code == 200
    page = signed_in(chief).get("/accounts/two-factor/")
    assert "Set up two-step sign-in" in page.content.decode()
    assert "requires" not in page.content.decode()
