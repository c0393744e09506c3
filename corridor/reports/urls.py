from django.urls import path

from corridor.reports import views

urlpatterns = [
    path("charts/", views.charts, name="charts"),
    path("charts/<slug:kind>.svg", views.chart_svg, name="chart_svg"),
]
