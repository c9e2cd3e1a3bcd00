from django.contrib import admin

from .models import Explanation


@admin.register(Explanation)
class ExplanationAdmin(admin.ModelAdmin):
    list_display = ["pk", "model", "row_index", "explainer", "status", "attempts", "created_at"]
    list_filter = ["status", "explainer"]
