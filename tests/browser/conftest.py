"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

One browser for the whole session (pytest-playwright's ``browser`` fixture, launched from
/usr/bin/chromium: never a browser download). Each test gets pages signed in as the users it
needs (``as_user``), saves screenshots with ``screenshot(page, name)`` under the run's output
folder (``$CLEARINGHOUSE_OUT/browser/``, by default ``out/browser/`` at the repository root) and
checks pages with axe-core (``assert_accessible``), bundled under ``vendor/`` from the npm
registry (never fetched at test time).

These tests run after every other test of the session: sync Playwright keeps an asyncio loop
in the main thread, and Django refuses ORM calls from a thread with a running loop unless
DJANGO_ALLOW_ASYNC_UNSAFE is set, which is set here only from the first browser test on.
"""

import contextlib
import json
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from clearinghouse.parties.models import OrganisationKind
from clearinghouse.security.roles import Classification, Role

from ..factories import OrganisationFactory, OrgOfKindFactory, UserFactory

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = HERE / "vendor" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
# Violations known and reported, tolerated until their fix lands (each warns when seen):
# rule id -> (what the node's HTML starts with, why). Remove an entry once its fix is in.


def output_dir() -> Path:
    """Where this run's screenshots and axe reports go (created if missing)."""
    base = Path(os.environ.get("CLEARINGHOUSE_OUT") or ROOT / "out")
    folder = base / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- Ordering and environment --------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    """Run the browser tests last, so the rest of the suite runs with Django's async guard."""
    browser = [item for item in items if HERE in Path(str(item.path)).parents]
    if browser:
        others = [item for item in items if item not in browser]
        items[:] = others + browser


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_OUTCOME] = report
    return report


_OUTCOME = pytest.StashKey()


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    """Sync Playwright runs an event loop in this thread: let the tests use the ORM anyway."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="session", autouse=True)
def _fast_passwords():
    """A fast hasher: every test user has a password, and PBKDF2 costs ~0.4 s each here."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


# --- The browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, headless, with no network of its own (pytest-playwright override)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package "
                    "(apt-get install chromium; .ci/run does). Never `playwright install`.")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
    }


@pytest.fixture
def server(live_server, transactional_db):
    """The live server's address; its data is the test's (committed: transactional_db)."""
    return live_server.url


@pytest.fixture
def as_user(request, browser, server):
    """``as_user(user)``: a new page in a context of its own, signed in as ``user``.

    The session cookie comes from Django's test client (``force_login``), so no test but the
    sign-in test pays for the form. ``as_user(None)`` gives a signed-out page. A context may be
    shared, as two tabs of one person: ``as_user(user, context=page.context)``. The pages obey
    the Content Security Policy only with ``bypass_csp=False``.
    """
    contexts = []

    def open_page(user=None, context=None, bypass_csp=True):
        if context is None:
            # Bypassed for the axe-core checks, which inject their script; test_csp.py keeps it.
            context = browser.new_context(base_url=server, bypass_csp=bypass_csp,
                                          locale="en-GB", viewport={"width": 1280, "height": 800})
            context.set_default_timeout(10_000)
            contexts.append(context)
            if user is not None:
                client = Client()
                client.force_login(user)
                name = settings.SESSION_COOKIE_NAME
                context.add_cookies([{"name": name, "value": client.cookies[name].value,
                                      "url": server}])
        return context.new_page()

    yield open_page
    report = request.node.stash.get(_OUTCOME, None)
    if report is not None and report.failed:
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                # A crashed page: the test's own error says enough.
                with contextlib.suppress(Exception):
                    screenshot(page, f"{node_name(request)}-FAILED-{i}-{j}")
    for context in contexts:
        context.close()


# --- Users of each role --------------------------------------------------------------------


@pytest.fixture
def auditor():
    org = OrgOfKindFactory(kind=OrganisationKind.OVERSIGHT, code="OVS", name="Oversight")
    return UserFactory(organisation=org, roles=[Role.AUDITOR],
                       clearance=Classification.CONFIDENTIAL)


@pytest.fixture
def second_donor():
    return UserFactory(organisation=OrganisationFactory(code="POL", name="Poland", iso3="POL"),
                       roles=[Role.DONOR_REPRESENTATIVE], clearance=Classification.RESTRICTED)


@pytest.fixture
def logistics_officer():
    org = OrgOfKindFactory(kind=OrganisationKind.HUB_OPERATOR, code="HUB", name="Hub operator")
    return UserFactory(organisation=org, roles=[Role.LOGISTICS_OFFICER],
                       clearance=Classification.RESTRICTED)


ROLE_FIXTURES = {"recipient planner": "planner", "donor representative": "donor",
                 "coordinator": "coordinator", "auditor": "auditor",
                 "logistics officer": "logistics_officer"}


@pytest.fixture
def user_of_role(request):
    """``user_of_role(name)``: a user of that role (only the one asked for is made)."""
    return lambda role: request.getfixturevalue(ROLE_FIXTURES[role])


# --- Helpers -------------------------------------------------------------------------------


def node_name(request) -> str:
    """The test's name without pytest-playwright's ``[chromium]`` (one browser only)."""
    return request.node.name.replace("[chromium]", "").replace("[chromium-", "[")


def _slug(name: str) -> str:
    return re.sub(r"-{2,}", "-", re.sub(r"[^A-Za-z0-9_.-]+", "-", name)).strip("-") or "page"


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a PNG of ``page`` as ``<output>/browser/<name>.png``; return its path."""
    path = output_dir() / f"{_slug(name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def _describe(violations: list) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {summary}")
            lines.append(f"       {node.get('html', '')[:200]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def run_axe(page) -> dict:
    """axe-core's results for the page as it is now (axe injected from tests/browser/vendor)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return {violations: r.violations, url: r.url, version: axe.version}; }"
    )


def assert_accessible(page, name: str | None = None) -> list:
    """Fail on axe-core violations of impact serious or critical; return the lesser ones.

    Every result is kept in ``<output>/browser/axe/<name>.json`` (name: the page's path).
    """
    results = run_axe(page)
    name = name or _slug(page.url.split("://", 1)[-1].split("/", 1)[-1] or "root")
    folder = output_dir() / "axe"
    folder.mkdir(exist_ok=True)
    (folder / f"{_slug(name)}.json").write_text(json.dumps(results, indent=1))
    violations = results["violations"]
    bad = []
    for v in violations:
        if v.get("impact") not in FAILING_IMPACTS:
            continue
        bad.append(v)
    assert not bad, (
        f"axe-core {results['version']} found {len(bad)} serious or critical violation(s) on "
        f"{results['url']}:\n{_describe(bad)}"
    )
    return [v for v in violations if v not in bad]


@pytest.fixture
def shot(request):
    """``shot(page, suffix="")``: a screenshot named after the test."""

    def take(page, suffix: str = "") -> Path:
        return screenshot(page, node_name(request) + (f"-{suffix}" if suffix else ""))

    return take
