from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from conventions.models import Convention


def get_convention(request, slug, *, edit=False):
    """The convention `slug` if the user has a role on it: 404 outside their territory,
    403 when they may read it but the action needs editing rights."""
    convention = get_object_or_404(Convention.objects.for_user(request.user).select_related("caf"), slug=slug)
    if edit and not request.user.has_perm("ctg.edit_convention", convention):
        raise PermissionDenied("Votre rôle sur cette convention ne permet que la lecture.")
    return convention
