from django.contrib import admin

from ctg.admin import (
    BY_CONVENTION,
    ConventionChildAdmin,
    CtgAdmin,
    CtgHistoryAdmin,
    CtgTabularInline,
)
from ctg.numbers import format_number

from .models import (
    AgendaItem,
    Body,
    CalendarToken,
    CooperationOfficer,
    Decision,
    Meeting,
    Member,
    Participant,
    Reminder,
)


class MemberInline(CtgTabularInline):
    model = Member
    fields = ["name", "organisation", "role", "email", "position"]


@admin.register(Body)
class BodyAdmin(ConventionChildAdmin):
    list_display = ["name", "kind", "frequency", "expected_per_year", "animators", "convention"]
    list_filter = ["kind", BY_CONVENTION]
    search_fields = ["name", "key", "composition"]
    inlines = [MemberInline]


@admin.register(Member)
class MemberAdmin(CtgHistoryAdmin):
    list_display = ["name", "organisation", "role", "email", "body"]
    list_select_related = ["body"]
    search_fields = ["name", "organisation", "email", "body__name"]


class AgendaItemInline(CtgTabularInline):
    model = AgendaItem
    fields = ["text", "fiches", "milestones", "position"]


class ParticipantInline(CtgTabularInline):
    model = Participant
    fields = ["member", "name", "organisation", "email", "present", "position"]


class DecisionInline(CtgTabularInline):
    model = Decision
    fields = ["text", "fiche", "requires_avenant", "avenant", "position"]


@admin.register(Meeting)
class MeetingAdmin(ConventionChildAdmin):
    list_display = ["title", "date", "time", "body", "place", "convention"]
    list_filter = ["body__kind", BY_CONVENTION]
    list_select_related = ["convention", "body"]
    search_fields = ["title", "place", "minutes", "body__name"]
    ordering = ["-date", "-time"]
    date_hierarchy = "date"
    fields = ["convention", "body", ("date", "time", "end_time"), "title", "place", "fiches", "minutes"]
    inlines = [AgendaItemInline, ParticipantInline, DecisionInline]


@admin.register(CooperationOfficer)
class CooperationOfficerAdmin(ConventionChildAdmin):
    list_display = ["name", "organisation", "scope", "etp", "caf_funded", "convention"]
    list_filter = ["scope", "caf_funded", BY_CONVENTION]
    list_select_related = ["convention", "organisation"]
    search_fields = ["name", "organisation__name"]

    @admin.display(description="ETP", ordering="fte")
    def etp(self, obj):
        return format_number(obj.fte)


@admin.register(CalendarToken)
class CalendarTokenAdmin(CtgAdmin):
    """Who subscribed to their calendar; the secret itself is never shown."""

    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
    readonly_fields = ["created_at"]
    search_fields = ["user__username", "user__email"]


@admin.register(Reminder)
class ReminderAdmin(CtgAdmin):
    list_display = ["subject", "recipient", "kind", "sent_at"]
    list_filter = ["kind"]
    search_fields = ["subject", "recipient", "key"]
    readonly_fields = ["key", "kind", "recipient", "subject", "sent_at"]
