from django.urls import path

from corridor.notices import views

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("test/", views.test_send, name="test"),
    path("stop/", views.clear, name="clear"),
]
