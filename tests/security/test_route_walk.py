"""Every route of the site walked (issue 14, "confidentiality by construction"): each is named
in the table below with the test that checks who may use it, none answers an anonymous caller
with data, and none answers anyone with a server error, whatever the id in its address.

A new route fails here until it is added to ROUTES with the test that checks its rule.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.throttling import UserRateThrottle

from .. import test_settings
from ..core import test_api as core_api
from ..core import test_notices, test_words
from ..core import test_web as core_web
from ..logistics import test_closures
from ..needs import test_bulk as need_bulk
from ..needs import test_views as need_views
from ..parties import test_second_factor as two_step
from ..parties import test_sign_in, test_tokens
from ..planning import test_api as plan_api
from ..planning import test_briefing, test_coverage
from ..planning import test_tasks as plan_tasks
from ..planning import test_views as plan_views
from ..pledges import test_bulk as pledge_bulk
from ..pledges import test_views as pledge_views
from ..reports import test_feed
from ..shipments import test_hub, test_timeline
from ..shipments import test_views as shipment_views
from . import (
    test_detail_pages_matrix,
    test_pages_matrix,
    test_permission_matrix,
    test_planning_matrix,
    test_shipments_matrix,
)

# route name -> the test that checks who may use it (DESIGN.md, who sees what; writes).
REFERENCE = "reference data every signed-in user reads (test_permission_matrix, admin column)"
ROUTES = {
    "start": test_settings.test_no_answer_is_kept_by_a_browser_or_a_proxy,
    "login": test_sign_in.test_wrong_passwords_lock_the_account_on_every_path,
    "logout": core_web,
    # Each user's own second factor: no record of anyone else's is reachable.
    "accounts:verify": two_step,
    "accounts:two-factor": two_step,
    "accounts:enrol": two_step,
    "accounts:recovery-codes": two_step.test_new_recovery_codes_replace_the_old,
    "accounts:remove": two_step.test_removing_the_second_factor_asks_for_a_code,
    "display": core_web,
    "help": test_words.test_the_help_page_is_for_signed_in_users,
    "changes": test_feed.test_only_auditors_and_coordinators_open_the_feed_and_its_exports,
    "changes-export": test_feed.test_only_auditors_and_coordinators_open_the_feed_and_its_exports,
    # Each reader's own notices, only while it may see their records.
    "notices:inbox": test_notices.test_the_inbox_lists_newest_first_and_marks_read,
    "notices:read": test_notices.test_the_inbox_lists_newest_first_and_marks_read,
    "notices:read-all": test_notices.test_the_inbox_lists_newest_first_and_marks_read,
    **{f"notice-{a}": test_notices.test_the_api_lists_and_marks_read
       for a in ("list", "detail", "read", "read-all")},
    "needs:list": test_pages_matrix.test_list_pages_and_exports,
    "needs:export": test_pages_matrix.test_list_pages_and_exports,
    "needs:create": need_views,
    "needs:detail": test_detail_pages_matrix.test_detail_pages,
    "needs:edit": need_views,
    "needs:act": need_views,
    "needs:bulk": need_bulk.test_others_get_no_checkboxes_and_403_and_nothing_changes,
    "pledges:list": test_pages_matrix.test_list_pages_and_exports,
    "pledges:export": test_pages_matrix.test_list_pages_and_exports,
    "pledges:stock-list": test_pages_matrix.test_list_pages_and_exports,
    "pledges:stock-export": test_pages_matrix.test_list_pages_and_exports,
    "pledges:create": pledge_views,
    "pledges:detail": test_detail_pages_matrix.test_detail_pages,
    "pledges:edit": pledge_views,
    "pledges:act": pledge_views,
    "pledges:bulk": pledge_bulk.test_a_donor_gets_no_checkboxes_and_403_on_the_bulk_address,
    "pledges:stock-detail": test_detail_pages_matrix.test_detail_pages,
    "parties:list": test_pages_matrix.test_list_pages_and_exports,
    "parties:export": test_pages_matrix.test_list_pages_and_exports,
    "parties:detail": test_detail_pages_matrix.test_detail_pages,
    "catalogue:list": test_pages_matrix.test_list_pages_and_exports,
    "catalogue:export": test_pages_matrix.test_list_pages_and_exports,
    "catalogue:detail": test_detail_pages_matrix.test_detail_pages,
    "planning:list": test_planning_matrix.test_plans,
    "planning:detail": test_planning_matrix.test_plans,
    "planning:status": plan_views,
    "planning:adopt": plan_views,
    "planning:cancel": plan_tasks.test_the_plan_page_cancels_for_coordinators_only,
    "planning:what-if": plan_views,
    "planning:compare": plan_views,
    "planning:rerun": plan_views,
    "planning:asks": plan_views,
    "planning:asks-csv": plan_views,
    "planning:asks-print":
        test_briefing.test_the_csv_carries_the_page_s_columns_and_a_donor_no_region_it_may_not_know,
    # Shipments: each reader sees the movement it may follow; steps by the party taking them.
    "shipments:list": shipment_views.test_each_role_lists_the_shipments_it_may_follow,
    "shipments:export":
        shipment_views.test_an_anonymous_donor_stays_anonymous_in_the_list_its_filter_and_its_export,
    "shipments:make": shipment_views.test_only_coordinators_make_shipments_from_the_list_page,
    "shipments:act": shipment_views.test_each_reader_gets_the_forms_of_the_steps_it_may_take_only,
    "shipments:discrepancies":
        shipment_views.test_discrepancies_are_seen_by_the_sender_and_the_coordinator_and_resolved,
    "shipments:resolve":
        shipment_views.test_discrepancies_are_seen_by_the_sender_and_the_coordinator_and_resolved,
    "shipments:affected": shipment_views.test_the_affected_page_is_for_coordinators_and_auditors,
    "shipments:hub": test_hub.test_a_hub_the_reader_may_not_see_is_absent,
    "shipments:manifest":
        test_hub.test_the_day_s_manifest_is_marked_and_holds_only_what_the_reader_sees,
    "shipments:manifest-csv":
        test_hub.test_the_day_s_manifest_is_marked_and_holds_only_what_the_reader_sees,
    "shipments:timeline": test_timeline.test_a_donor_sees_only_its_own_shipments_on_the_timeline,
    "me": core_api.test_token_authentication,
    "plan-allocations": test_planning_matrix.test_allocations,
    "plan-gaps": test_planning_matrix.test_gaps,
    "ask-list": plan_api.test_ask_list_for_everyone_over_the_needs_they_see,
    **{f"coverage-{a}": test_coverage.test_the_api_gives_each_reader_the_coverage_it_may_see
       for a in ("list", "detail")},
    **{f"{r}-{a}": test_permission_matrix for r in (
        "organisation", "region", "capabilityarea", "capabilitycoalition",
        "compatibilityfamily", "itemtype") for a in ("list", "detail", "history")},
    "apitoken-list": test_tokens.test_another_users_keys_are_absent,
    "apitoken-detail": test_tokens.test_another_users_keys_are_absent,
    **{f"need-{a}": test_permission_matrix for a in (
        "list", "summary", "detail", "history", "submit", "return", "validate", "open",
        "cover-partly", "cover", "reopen", "deliver", "cancel")},
    **{f"pledge-{a}": test_permission_matrix for a in (
        "list", "summary", "detail", "history", "accept", "decline", "allocate", "ship",
        "deliver", "withdraw", "release")},
    **{f"{r}-{a}": test_permission_matrix for r in ("stockposition", "backfillorder", "hub")
       for a in ("list", "detail", "history")},
    **{f"plan-{a}": test_planning_matrix.test_plans for a in (
        "list", "detail", "history", "instance", "compare")},
    **{f"plan-{a}": plan_api.test_others_get_403_on_writes_and_404_on_plans_they_cannot_see
       for a in ("adopt", "what-if", "cancel")},
    **{f"planrule-{a}": plan_api.test_plan_rules_pin_forbid_and_lift for a in (
        "list", "detail", "history", "lift")},
    **{f"hubclosure-{a}": test_closures.test_closures_are_read_by_whoever_sees_the_hub
       for a in ("list", "detail", "history")},
    "shipments:detail": test_shipments_matrix.test_the_shipment_page,
    **{f"shipment-{a}": test_shipments_matrix.test_shipments_through_the_api for a in (
        "list", "detail", "history", "lines", "events", "discrepancies")},
    **{f"shipment-{a}": test_shipments_matrix.test_actions_on_shipments_are_absent_or_refused
       for a in ("make", "split", "ready", "depart", "arrive-at-hub", "hand-over", "cancel",
                 "delay", "receive", "verify")},
    **{f"discrepancy-{a}": test_shipments_matrix.test_shipments_through_the_api
       for a in ("list", "detail", "history")},
    "discrepancy-resolve": test_shipments_matrix.test_actions_on_shipments_are_absent_or_refused,
    "api-root": core_api,
    "api-token": test_sign_in.test_wrong_passwords_lock_the_account_on_every_path,
    "rest_framework:login": test_sign_in.test_wrong_passwords_lock_the_account_on_every_path,
    "rest_framework:logout": core_api,
    "schema": core_api.test_openapi_schema_lists_every_resource_and_lifecycle_action,
    "api-docs": core_api.test_docs_page_is_served_without_a_cdn,
    "api-redoc": core_api,
}
# Open to a caller not signed in: signing in, and the API's description (no record in it).
PUBLIC = {"login", "logout", "rest_framework:login", "rest_framework:logout", "api-token",
          "schema", "api-docs", "api-redoc"}
SAMPLE = {"int": "1", "str": "csv", "slug": "submit", "drf_format_suffix": ""}


def routes() -> dict[str, str]:
    """Every route's name and an address for it (the admin walks apart: its own matrix)."""
    found = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                space = ":".join(filter(None, (namespace, p.namespace)))
                walk(p.url_patterns, prefix + str(p.pattern), space)
            elif isinstance(p, URLPattern) and not prefix.startswith("admin/"):
                name = ":".join(filter(None, (namespace, p.name)))
                path = prefix + str(p.pattern)
                if "(?P<format>" in path or "drf_format_suffix" in path:
                    continue  # the same views with a format suffix
                path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path).replace("^", "").replace("$", "")
                path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], path)
                found.setdefault(name, "/" + path)

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_route_is_in_the_table_with_the_test_that_checks_it():
    assert set(routes()) == set(ROUTES)
    for name, where in ROUTES.items():
        assert callable(where) or where.__name__.startswith("tests."), name


@pytest.mark.django_db
def test_no_route_answers_an_anonymous_caller_with_data():
    client = Client(raise_request_exception=False)
    for name, path in routes().items():
        reply = client.get(path)
        if name in PUBLIC:
            assert reply.status_code < 500, (name, path, reply.status_code)
            continue
        refused = (reply.status_code in (401, 403, 404, 405)
                   or (reply.status_code == 302 and "/accounts/login/" in reply["Location"]))
        assert refused, (name, path, reply.status_code)


@pytest.mark.parametrize("role", ["coordinator", "auditor", "planner", "donor_b", "logistics",
                                  "admin"])
def test_no_route_answers_anyone_with_a_server_error(world, role, monkeypatch):
    # Every route, every id: more requests in a minute than the rate limit lets through.
    monkeypatch.setattr(UserRateThrottle, "allow_request", lambda self, request, view: True)
    client = Client(raise_request_exception=False)
    client.force_login(world.users[role])
    ids = {str(r.pk) for r in world.records.values()} | {"0", "987654321"}
    for name, path in routes().items():
        for pk in sorted(ids):
            address = path.replace("/1/", f"/{pk}/")
            status = client.get(address).status_code
            assert status < 500 and status != 429, (role, name, address, status)
