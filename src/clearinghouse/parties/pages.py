"""Detail pages, forms and lifecycle actions: an organisation's facts."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import path

from .models import Organisation


@login_required
def organisation_detail(request, pk: int):
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user).select_related("parent", "region"), pk=pk
    )
    return render(request, "parties/organisation_detail.html", {"organisation": organisation})


urlpatterns = [path("<int:pk>/", organisation_detail, name="detail")]
