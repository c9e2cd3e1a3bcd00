from django.urls import path

from . import views

app_name = "classifiers"

urlpatterns = [
    path("", views.home, name="home"),
    path("datasets/upload/", views.dataset_upload, name="upload"),
    path("datasets/demo/<slug:slug>/", views.dataset_demo, name="demo"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset"),
    path("datasets/<int:pk>/status.json", views.dataset_status, name="dataset_status"),
    path("datasets/<int:pk>/columns/", views.dataset_roles, name="roles"),
    path("datasets/<int:pk>/sheet/", views.dataset_sheet, name="sheet"),
    path("datasets/<int:pk>/delete/", views.dataset_delete, name="delete"),
    path("datasets/<int:pk>/images/<int:index>.png", views.dataset_image, name="image"),
    path("datasets/<int:pk>/train/", views.model_train, name="train"),
    path("models/<int:pk>/", views.model_detail, name="model"),
    path("models/<int:pk>/status.json", views.model_status, name="model_status"),
    path("models/<int:pk>/without/", views.model_retrain_without, name="retrain_without"),
    path("models/<int:first>/beside/<int:second>/", views.models_side_by_side, name="side_by_side"),
    path("models/<int:pk>/confusion.svg", views.model_confusion_chart, name="confusion"),
    path("models/<int:pk>/actual-predicted.svg", views.model_actual_predicted_chart, name="actual_predicted"),
]
