from django.urls import path

from corridor.evidence import views

urlpatterns = [
    path("", views.home, name="home"),
    path("items/<uuid:item_id>/", views.item_detail, name="item"),
    path("packages/<uuid:package_id>/", views.package_detail, name="package"),
]
