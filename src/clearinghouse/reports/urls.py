"""The reports pages: each role's start page (named ``start``, the site's home)."""

from django.urls import path

from . import feed, views

urlpatterns = [path("", views.start, name="start")]
# The change feed (auditors and coordinators) and its exports.
urlpatterns += [
    path("changes/", feed.feed_page, name="changes"),
    path("changes/export.<str:fmt>/", feed.feed_export, name="changes-export"),
]
