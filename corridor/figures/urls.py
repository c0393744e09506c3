from django.urls import path

from corridor.figures import views

urlpatterns = [
    path("", views.public_page, {"language": "ru"}, name="public"),
    path("en/", views.public_page, {"language": "en"}, name="public_en"),
    path("<uuid:release_id>.csv", views.release_csv, name="csv"),
    path("<uuid:release_id>.json", views.release_json, name="json"),
    path("manage/", views.manage, name="manage"),
    path("manage/<uuid:release_id>/", views.release, name="release"),
    path("manage/<uuid:release_id>/publish/", views.publish, name="publish"),
]
