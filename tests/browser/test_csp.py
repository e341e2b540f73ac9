"""The Content Security Policy holds and the pages work under it (issue 14, "safe by default"):
no inline script, and no page of ours, the API's documentation included, needs one."""

from clearinghouse.needs.models import NeedState

from ..factories import NeedFactory

PAGES = ("/", "/needs/", "/pledges/", "/catalogue/", "/plans/", "/plans/asks/", "/api/docs/",
         "/api/redoc/")


def test_pages_work_under_the_policy(as_user, coordinator, recipient):
    need = NeedFactory(owner=recipient, state=NeedState.OPEN)
    page = as_user(coordinator, bypass_csp=False)
    refused = []
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text else None)
    for path in (*PAGES, f"/needs/{need.pk}/"):
        reply = page.goto(path)
        assert reply.status == 200, path
        policy = reply.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        page.wait_for_load_state("networkidle")
    # Only ReDoc's calls to third parties (its fonts and logo) are refused: the policy keeps
    # every page on our own server.
    assert all("https://fonts.googleapis.com/" in m or "https://cdn.redoc.ly/" in m
               for m in refused), refused
    # htmx, a script of our own, runs
    page.goto("/")
    assert page.evaluate("typeof htmx") == "object"
    # an inline script is refused
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.injected = 1'; document.body.append(s); }""")
    assert page.evaluate("window.injected") is None
