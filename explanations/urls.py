from django.urls import path

from . import views

app_name = "explanations"

urlpatterns = [
    path("request/<int:model_pk>/", views.explanation_request, name="request"),
    path("what-if/<int:model_pk>/", views.explanation_what_if, name="what_if"),
    path("share/model/<int:model_pk>/", views.model_share, name="share_model"),
    path("share/<int:link_pk>/revoke/", views.share_revoke, name="revoke"),
    path("<int:pk>/", views.explanation_detail, name="detail"),
    path("<int:pk>/status.json", views.explanation_status, name="status"),
    path("<int:pk>/weights.svg", views.explanation_chart, name="chart"),
    path("<int:pk>/picture/<str:which>.png", views.explanation_picture, name="picture"),
    path("<int:pk>/diagnostic/<str:name>.svg", views.explanation_diagnostic, name="diagnostic"),
    path("<int:pk>/diagnosis.json", views.diagnosis_status, name="diagnosis_status"),
    path("<int:pk>/present/", views.explanation_present, name="present"),
    path("<int:pk>/export.<str:fmt>", views.explanation_export, name="export"),
    path("<int:pk>/share/", views.explanation_share, name="share"),
    path("<int:pk>/share/preview/", views.share_preview, name="share_preview"),
    path("<int:pk>/compare/", views.compare_request, name="compare_request"),
    path("<int:pk>/pair/", views.pair_request, name="pair_request"),
    path("<int:pk>/why-not/", views.why_not_request, name="why_not"),
    path("compare/<int:first>/<int:second>/", views.compare, name="compare"),
    path("<int:pk>/what-if-curve/", views.what_if_curve, name="what_if_curve"),
    path("<int:pk>/what-if-curve.svg", views.what_if_chart, name="what_if_chart"),
    path("overview/request/<int:model_pk>/", views.overview_request, name="overview_request"),
    path("overview/<int:pk>/", views.overview_detail, name="overview"),
    path("overview/<int:pk>/status.json", views.overview_status, name="overview_status"),
    path("whole/request/<int:model_pk>/", views.report_request, name="report_request"),
    path("whole/<int:pk>/", views.report_detail, name="report"),
    path("whole/<int:pk>/status.json", views.report_status, name="report_status"),
    path("whole/<int:pk>/chart/<str:name>", views.report_chart, name="report_chart"),
    path("whole/<int:pk>/report.html", views.report_download, name="report_download"),
    path("whole/<int:pk>/share/", views.report_share, name="report_share"),
]
