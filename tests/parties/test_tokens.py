"""API tokens (issue 14, "accounts"): stored hashed and shown once, expiring, listed and revoked
by their owner; another user's keys are absent."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clearinghouse.parties.models import ApiToken, digest

pytestmark = pytest.mark.django_db


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_key_is_shown_once_and_only_its_digest_kept(api, donor):
    made = api.as_(donor).post("/api/tokens/", {"name": "nightly export", "days": 7},
                               format="json")
    assert made.status_code == 201
    key = made.json()["token"]
    stored = ApiToken.objects.get(pk=made.json()["id"])
    assert stored.key_digest == digest(key) and key not in {f.value_from_object(stored) for f in
                                                           ApiToken._meta.fields}
    assert stored.expires_at - timezone.now() == pytest.approx(timedelta(days=7),
                                                                abs=timedelta(minutes=1))
    listed = api.as_(donor).get("/api/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["nightly export"]
    assert key not in str(listed) and listed[0]["start"] == key[:10]
    assert with_key(key).get("/api/me/").json()["username"] == donor.username


def test_an_expired_or_revoked_key_is_refused(api, donor):
    token, key = ApiToken.issue(donor)
    assert with_key(key).get("/api/me/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert with_key(key).get("/api/me/").status_code in (401, 403)
    token, key = ApiToken.issue(donor)
    assert api.as_(donor).delete(f"/api/tokens/{token.pk}/").status_code == 204
    assert with_key(key).get("/api/me/").status_code in (401, 403)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None  # kept, revoked
    assert with_key("ch_made-up").get("/api/me/").status_code in (401, 403)


def test_another_users_keys_are_absent(api, donor, coordinator):
    token, key = ApiToken.issue(coordinator)
    assert api.as_(donor).get("/api/tokens/").json()["count"] == 0
    assert api.as_(donor).delete(f"/api/tokens/{token.pk}/").status_code == 404
    assert with_key(key).get("/api/me/").status_code == 200  # untouched


def test_signing_in_with_a_password_gives_a_new_expiring_key(donor):
    donor.set_password("s3cret-pass")
    donor.save()
    reply = APIClient().post("/api/token/", {"username": donor.username,
                                             "password": "s3cret-pass"})
    assert reply.status_code == 200
    body = reply.json()
    token = ApiToken.objects.get(pk=body["id"])
    assert token.key_digest == digest(body["token"]) and token.expires_at > timezone.now()
