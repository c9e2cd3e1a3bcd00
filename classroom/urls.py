from django.urls import path

from . import views

app_name = "classroom"

urlpatterns = [
    path("", views.lessons, name="lessons"),
    path("<int:pk>/", views.session, name="session"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
    path("vote/<str:token>/", views.vote, name="vote"),
    path("vote/<str:token>/<int:index>/<str:letter>/<str:which>.png", views.picture, name="picture"),
]
