from django.contrib import admin

from ctg.admin import BY_CONVENTION, CtgAdmin

from .models import GeneratedDocument


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(CtgAdmin):
    """PDFs asked for in the application: a support view (what failed, and why); nothing to edit."""

    list_display = ["title", "convention", "status", "pages", "requested_by", "created_at", "finished_at"]
    list_filter = ["status", BY_CONVENTION]
    list_select_related = ["convention", "requested_by"]
    search_fields = ["title", "filename", "convention__title"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
