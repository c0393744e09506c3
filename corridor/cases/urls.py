from django.urls import path

from corridor.cases import views

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/edit/", views.case_edit, name="edit"),
    path("<uuid:case_id>/assign/", views.case_assign, name="assign"),
    path("<uuid:case_id>/move/", views.case_move, name="move"),
    path("<uuid:case_id>/expenses/", views.expense_add, name="expense_add"),
    path(
        "<uuid:case_id>/attachments/<uuid:attachment_id>/",
        views.case_attachment,
        name="attachment",
    ),
    path(
        "<uuid:case_id>/attachments/<uuid:attachment_id>/download/",
        views.case_attachment_download,
        name="attachment_download",
    ),
    path("<uuid:case_id>/expenses/<uuid:expense_id>/", views.expense_change, name="expense_change"),
]
