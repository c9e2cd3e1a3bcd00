from django.urls import path

from . import shared

app_name = "shared"

urlpatterns = [
    path("gallery/", shared.gallery, name="gallery"),
    path("s/<str:token>/", shared.shared_view, name="view"),
    path("s/<str:token>/present/", shared.shared_present, name="present"),
    path("s/<str:token>/weights.svg", shared.shared_chart, name="chart"),
    path("s/<str:token>/confusion.svg", shared.shared_confusion, name="confusion"),
    path("s/<str:token>/actual-predicted.svg", shared.shared_actual_predicted, name="actual_predicted"),
    path("s/<str:token>/picture/<str:which>.png", shared.shared_picture, name="picture"),
    path("s/<str:token>/diagnostic/<str:name>.svg", shared.shared_diagnostic, name="diagnostic"),
    path("s/<str:token>/export.<str:fmt>", shared.shared_export, name="export"),
    path("s/<str:token>/chart/<str:name>", shared.shared_report_chart, name="report_chart"),
    path("s/<str:token>/report.html", shared.shared_report_download, name="report_download"),
]
