from django.urls import path

from . import views

app_name = "classifiers"

urlpatterns = [
    path("", views.home, name="home"),
    path("datasets/upload/", views.dataset_upload, name="upload"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset"),
    path("datasets/<int:pk>/train/", views.model_train, name="train"),
    path("models/<int:pk>/", views.model_detail, name="model"),
    path("models/<int:pk>/status.json", views.model_status, name="model_status"),
]
