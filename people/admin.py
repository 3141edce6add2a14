from django.contrib import admin

from ctg.admin import CtgAdmin

from .models import AccessEvent, Invitation


@admin.register(Invitation)
class InvitationAdmin(CtgAdmin):
    """Read-only: invitations are sent, resent and revoked from « Personnes » (`people.services`)."""

    list_display = ["email", "role", "organisation", "sent_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(CtgAdmin):
    list_display = ["at", "kind", "email", "role", "organisation", "by"]
    list_filter = ["kind", "role"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation", "by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
