from django.urls import path

from corridor.evidence import screens, views

urlpatterns = [
    path("", views.home, name="home"),
    path("items/new/", screens.item_new, name="item_new"),
    path("items/<uuid:item_id>/", views.item_detail, name="item"),
    path("items/<uuid:item_id>/working.img", views.item_working_image, name="item_working"),
    path("items/<uuid:item_id>/working/", views.item_working_make, name="item_working_make"),
    path("items/<uuid:item_id>/original", views.item_download, name="item_download"),
    path("packages/new/", screens.package_new, name="package_new"),
    path("packages/<uuid:package_id>/", views.package_detail, name="package"),
    path(
        "packages/<uuid:package_id>/contents/",
        screens.package_contents,
        name="package_contents",
    ),
    path("packages/<uuid:package_id>/export/", screens.package_export, name="package_export"),
    path(
        "packages/<uuid:package_id>/export-plain/",
        screens.package_export_plain,
        name="package_export_plain",
    ),
    path(
        "packages/<uuid:package_id>/timestamp/",
        views.package_timestamp,
        name="package_timestamp",
    ),
]
