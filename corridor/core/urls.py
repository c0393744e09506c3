from django.urls import path

from corridor.core import views

urlpatterns = [path("", views.home, name="home")]
