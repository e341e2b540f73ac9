"""The inbox page: the reader's notices, newest first, paged; marking them read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..web import classify
from . import PAGE_SIZE, inbox, mark_read


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    unread = any(not n.read for n in page.object_list)
    # The banner rises to the most classified of what the notices shown tell of.
    context = {"page_obj": page, "notices": page.object_list, "any_unread": unread}
    return render(request, "notices/inbox.html", classify(context, page.object_list))


@login_required
@require_POST
def read_one(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    """Mark one notice read; one the reader may not read is absent (404)."""
    if not inbox(request.user).filter(pk=pk).exists():
        raise Http404
    mark_read(request.user, [pk])
    return _back(request)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponseRedirect:
    mark_read(request.user)
    return _back(request)


def _back(request: HttpRequest) -> HttpResponseRedirect:
    """Back to the inbox page the reader was on."""
    page = request.POST.get("page", "")
    target = reverse("notices:inbox")
    return HttpResponseRedirect(f"{target}?page={page}" if page.isdigit() else target)
