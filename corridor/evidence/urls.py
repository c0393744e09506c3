from django.urls import path

from corridor.evidence import views

urlpatterns = [
    path("", views.home, name="home"),
    path("items/<uuid:item_id>/", views.item_detail, name="item"),
    path("items/<uuid:item_id>/working.img", views.item_working_image, name="item_working"),
    path("items/<uuid:item_id>/working/", views.item_working_make, name="item_working_make"),
    path("items/<uuid:item_id>/original", views.item_download, name="item_download"),
    path("packages/<uuid:package_id>/", views.package_detail, name="package"),
    path(
        "packages/<uuid:package_id>/timestamp/",
        views.package_timestamp,
        name="package_timestamp",
    ),
]
