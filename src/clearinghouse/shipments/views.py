"""Shipment pages (docs/shipments.md)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from . import queries


@login_required
def shipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = queries.shipments(request.user).filter(pk=pk).first()
    if shipment is None:
        raise Http404
    return render(request, "shipments/shipment_detail.html", {"shipment": shipment})
