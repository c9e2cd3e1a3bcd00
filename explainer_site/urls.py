from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("explanations/", include("explanations.urls")),
    path("classroom/", include("classroom.urls")),
    path("", include("explanations.shared_urls")),
    path("", include("classifiers.urls")),
]
