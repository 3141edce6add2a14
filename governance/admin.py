from django.contrib import admin

from conventions.admin import BY_CONVENTION, ConventionChildAdmin, CtgTabularInline

from .models import AgendaItem, Body, CooperationOfficer, Decision, Meeting, Member, Participant


class MemberInline(CtgTabularInline):
    model = Member
    fields = ["name", "organisation", "role", "position"]


@admin.register(Body)
class BodyAdmin(ConventionChildAdmin):
    list_display = ["name", "kind", "frequency", "animators", "convention"]
    list_filter = ["kind", BY_CONVENTION]
    search_fields = ["name", "key", "composition"]
    inlines = [MemberInline]


class AgendaItemInline(CtgTabularInline):
    model = AgendaItem
    fields = ["text", "position"]


class ParticipantInline(CtgTabularInline):
    model = Participant
    fields = ["name", "organisation", "present", "position"]


class DecisionInline(CtgTabularInline):
    model = Decision
    fields = ["text", "position"]


@admin.register(Meeting)
class MeetingAdmin(ConventionChildAdmin):
    list_display = ["title", "date", "time", "body", "place", "convention"]
    list_filter = ["body__kind", BY_CONVENTION]
    list_select_related = ["convention", "body"]
    search_fields = ["title", "place", "minutes", "body__name"]
    ordering = ["-date", "-time"]
    date_hierarchy = "date"
    fields = ["convention", "body", ("date", "time"), "title", "place", "fiches", "minutes"]
    inlines = [AgendaItemInline, ParticipantInline, DecisionInline]


@admin.register(CooperationOfficer)
class CooperationOfficerAdmin(ConventionChildAdmin):
    list_display = ["name", "organisation", "scope", "fte", "caf_funded", "convention"]
    list_filter = ["scope", "caf_funded", BY_CONVENTION]
    list_select_related = ["convention", "organisation"]
    search_fields = ["name", "organisation__name"]
