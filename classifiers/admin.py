from django.contrib import admin

from .models import Dataset, TrainedModel


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "n_rows", "n_columns", "created_at"]
    search_fields = ["name", "owner__username"]


@admin.register(TrainedModel)
class TrainedModelAdmin(admin.ModelAdmin):
    list_display = ["pk", "dataset", "classifier", "target", "status", "attempts", "created_at"]
    list_filter = ["status", "classifier"]
