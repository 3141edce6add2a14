from django.contrib import admin

from ctg.admin import BY_CONVENTION, ConventionChildAdmin, CtgHistoryAdmin

from .enums import MilestoneStatus
from .models import Bilan, Milestone


@admin.register(Milestone)
class MilestoneAdmin(ConventionChildAdmin):
    list_display = ["title", "kind", "start", "end", "status", "late", "body", "convention"]
    list_filter = ["status", "kind", BY_CONVENTION]
    list_select_related = ["convention", "body"]
    search_fields = ["title", "notes"]
    ordering = ["end", "position"]
    date_hierarchy = "end"
    readonly_fields = ["done_at", "done_by", "generated_key"]
    fields = ["convention", "kind", "title", ("start", "end"), "status", "body", "notes", "position",
              ("done_at", "done_by"), "generated_key"]
    actions = ["mark_done"]

    @admin.display(description="en retard", boolean=True)
    def late(self, obj):
        return obj.is_late()

    @admin.action(description="Marquer les jalons sélectionnés comme faits")
    def mark_done(self, request, queryset):
        milestones = queryset.exclude(status=MilestoneStatus.FAIT)
        for milestone in milestones:
            milestone.mark_done(by=request.user)
        count = len(milestones)
        self.message_user(request, f"{count} jalon marqué comme fait." if count == 1 else f"{count} jalons marqués comme faits.")


@admin.register(Bilan)
class BilanAdmin(CtgHistoryAdmin):
    list_display = ["convention", "kind", "start", "end", "updated_at", "updated_by"]
    list_filter = ["kind", BY_CONVENTION]
    list_select_related = ["convention", "updated_by"]
    ordering = ["convention", "end"]
    readonly_fields = ["updated_at", "updated_by"]
    search_fields = ["convention__title", "realisations", "territorial_changes", "approach", "early_childhood"]
