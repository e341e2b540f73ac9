"""Every sign-in path locks after repeated wrong passwords, and the API limits its callers'
rate (issue 14, finding 8: 30 wrong passwords on each path, then the right one worked)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from clearinghouse.security.roles import Classification, Role

from ..factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-pass-phrase-1"


@pytest.fixture
def member(donor_org):
    user = UserFactory(organisation=donor_org, roles=[Role.DONOR_REPRESENTATIVE],
                       clearance=Classification.RESTRICTED, username="deu-rep")
    user.set_password(PASSWORD)
    user.save()
    return user


def page(password):
    return Client().post("/accounts/login/", {"username": "deu-rep", "password": password})


def admin(password):
    return Client().post("/admin/login/", {"username": "deu-rep", "password": password})


def token(password):
    return APIClient().post("/api/token/", {"username": "deu-rep", "password": password})


def api_login(password):
    return Client().post("/api/auth/login/", {"username": "deu-rep", "password": password})


@pytest.mark.parametrize("sign_in", [page, admin, token, api_login])
def test_wrong_passwords_lock_the_account_on_every_path(member, sign_in):
    for _ in range(4):
        assert sign_in("wrong").status_code in (200, 400)  # refused, the form again
    assert sign_in("wrong").status_code == 429  # the fifth: locked
    locked = sign_in(PASSWORD)
    assert locked.status_code == 429
    for other in (page, admin, token, api_login):  # locked on every path, not only this one
        assert other(PASSWORD).status_code == 429


def test_a_locked_sign_in_answers_the_api_in_json_with_retry_after(member):
    for _ in range(5):
        token("wrong")
    reply = token(PASSWORD)
    assert reply.status_code == 429 and int(reply["Retry-After"]) > 0
    assert "paused" in reply.json()["detail"]  # the refusal the API's schema documents
    assert page(PASSWORD)["Content-Type"].startswith("text/html")  # people get the page


def test_the_right_password_before_the_limit_signs_in_and_starts_the_count_again(member):
    for _ in range(4):
        page("wrong")
    assert page(PASSWORD).status_code == 302
    for _ in range(4):
        page("wrong")
    assert token(PASSWORD).status_code == 200


def test_the_token_endpoint_limits_anonymous_callers(member):
    replies = [token(PASSWORD) for _ in range(31)]
    assert {r.status_code for r in replies[:30]} == {200}  # 30 a minute from one address
    assert replies[30].status_code == 429 and int(replies[30]["Retry-After"]) > 0
