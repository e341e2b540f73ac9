"""Sign in and out, the start page, the banner and the large-type switch."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_pages_require_sign_in():
    reply = Client().get("/")
    assert reply.status_code == 302 and reply["Location"].startswith("/accounts/login/")


def test_sign_in_start_page_and_sign_out(donor):
    donor.set_password("s3cret-pass")
    donor.save()
    client = Client()
    failed = client.post("/accounts/login/", {"username": donor.username, "password": "wrong"})
    assert failed.status_code == 200 and "Please enter a correct" in failed.content.decode()
    reply = client.post("/accounts/login/", {"username": donor.username,
                                             "password": "s3cret-pass"}, follow=True)
    page = reply.content.decode()
    assert reply.status_code == 200 and donor.organisation.name in page
    assert 'class="banner level-0"' in page  # nothing classified shown yet: PUBLIC
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_large_type_switch_persists_and_returns(donor):
    client = Client()
    client.force_login(donor)
    assert '<html lang="en">' in client.get("/").content.decode()
    reply = client.post("/display/", {"next": "/"})
    assert reply.status_code == 302 and reply["Location"] == "/"
    assert '<html lang="en" class="large">' in client.get("/").content.decode()
    away = client.post("/display/", {"next": "https://elsewhere.example/"})
    assert away["Location"] == "/"  # no open redirect


def test_static_assets_are_served_locally(donor):
    client = Client()
    client.force_login(donor)
    page = client.get("/").content.decode()
    assert "/static/vendor/htmx-2.0.11.min.js" in page and "http" not in page.split("<body")[0]


def test_refusals_and_absences_use_the_layout(donor, settings):
    settings.DEBUG = False
    client = Client()
    client.force_login(donor)
    missing = client.get("/needs/999999/")
    assert missing.status_code == 404
    assert "Not found" in missing.content.decode() and 'class="banner' in missing.content.decode()


def test_stylesheet_and_htmx_are_found_by_staticfiles():
    from django.contrib.staticfiles import finders

    assert finders.find("clearinghouse/app.css")
    assert finders.find("vendor/htmx-2.0.11.min.js")
