from django.urls import path

from . import views

app_name = "explanations"

urlpatterns = [
    path("request/<int:model_pk>/", views.explanation_request, name="request"),
    path("what-if/<int:model_pk>/", views.explanation_what_if, name="what_if"),
    path("<int:pk>/", views.explanation_detail, name="detail"),
    path("<int:pk>/status.json", views.explanation_status, name="status"),
    path("<int:pk>/weights.svg", views.explanation_chart, name="chart"),
]
