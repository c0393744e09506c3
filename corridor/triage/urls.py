from django.urls import path

from corridor.triage import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("record/", views.record, name="record"),
    path("watchlist/", views.watchlist, name="watchlist"),
    path("watchlist/<uuid:entry_id>/remove/", views.watch_remove, name="watch_remove"),
    path("<uuid:submission_id>/", views.request_detail, name="request"),
    path(
        "<uuid:submission_id>/attachments/<uuid:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path(
        "<uuid:submission_id>/attachments/<uuid:attachment_id>/view/",
        views.attachment_view,
        name="attachment_view",
    ),
    path("<uuid:submission_id>/checklist/", views.checklist, name="checklist"),
    path("<uuid:submission_id>/propose/", views.propose, name="propose"),
    path("<uuid:submission_id>/approve/", views.approve, name="approve"),
    path("<uuid:submission_id>/decline/", views.decline, name="decline"),
    path("<uuid:submission_id>/decline-burst/", views.decline_burst, name="decline_burst"),
    path("<uuid:submission_id>/reply/", views.reply, name="reply"),
    path("<uuid:submission_id>/watch/", views.watch_from_request, name="watch_from_request"),
]
