from django.urls import path

from corridor.reports import views

urlpatterns = [
    path("charts/", views.charts, name="charts"),
    path("charts/<slug:kind>.svg", views.chart_svg, name="chart_svg"),
    path("donors/", views.donor, name="donor"),
    path("donors/sources/", views.funding_add, name="funding_add"),
    path("donors/<int:report_id>/", views.donor_report, name="donor_report"),
    path("donors/<int:report_id>/export/", views.donor_export, name="donor_export"),
]
