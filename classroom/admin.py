from django.contrib import admin

from .models import ClassSession, Vote


@admin.register(ClassSession)
class ClassSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "lesson", "owner", "status", "created_at", "revealed_at")
    list_filter = ("lesson", "status")


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ("session", "choice", "created_at")
