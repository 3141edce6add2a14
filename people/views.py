"""People and access without the Django admin: invitations, their acceptance, withdrawals, and
« Qui a accès » on each convention."""

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from conventions.enums import Role
from conventions.models import Membership, Organisation
from conventions.shortcuts import convention_context, get_convention
from ctg.errors import DomainError
from ctg.shortcuts import run_and_report, site_url

from . import services
from .forms import AcceptInvitationForm, InvitationForm
from .models import AccessEvent, Invitation
from .rules import organisations_known_to, organisations_managed_by, roles_in

MEMBERSHIPS = Membership.objects.select_related("user").order_by("role", "user__last_name", "user__first_name")


def get_managed_organisation(request, pk):
    """An organisation whose people the user manages: 404 when they do not even know of it, 403
    with the reason when they do but do not manage its accesses."""
    organisation = organisations_managed_by(request.user).filter(pk=pk).first()
    if organisation is None:
        get_object_or_404(organisations_known_to(request.user), pk=pk)
        raise PermissionDenied(services.MANAGERS_ONLY)
    return organisation


def get_managed_invitation(request, pk):
    invitation = get_object_or_404(
        Invitation.objects.filter(organisation__in=organisations_managed_by(request.user)), pk=pk
    )
    return invitation


@require_safe
def index(request):
    """The organisations whose people the user manages, with how many people and invitations."""
    organisations = organisations_managed_by(request.user).annotate(
        people=Count("memberships", filter=Q(memberships__user__is_active=True), distinct=True),
    ).order_by("kind", "name")
    if not organisations:
        raise PermissionDenied(services.MANAGERS_ONLY)
    awaiting = dict(
        Invitation.objects.awaiting().filter(organisation__in=organisations).values_list("organisation")
        .annotate(n=Count("pk")).order_by()
    )
    for organisation in organisations:
        organisation.awaiting = awaiting.get(organisation.pk, 0)
    return render(request, "people/index.html", {"organisations": organisations})


def organisation_page(request, organisation, form=None, status=200):
    context = {
        "organisation": organisation,
        "memberships": MEMBERSHIPS.filter(organisation=organisation),
        "invitations": organisation.invitations.awaiting().select_related("created_by"),
        "events": AccessEvent.objects.filter(organisation=organisation).select_related("by")[:20],
        "form": form or InvitationForm(organisation=organisation),
        "roles": [role.label for role in roles_in(organisation)],
    }
    return render(request, "people/organisation.html", context, status=status)


@require_safe
def organisation(request, pk):
    return organisation_page(request, get_managed_organisation(request, pk))


@require_POST
def invite(request, pk):
    organisation = get_managed_organisation(request, pk)
    form = InvitationForm(request.POST, organisation=organisation)
    if form.is_valid():
        try:
            invitation = services.invitation_create(organisation, **form.cleaned_data, by=request.user,
                                                    site_url=site_url(request))
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Invitation envoyée à {invitation.email}.")
            return redirect("people:organisation", pk=organisation.pk)
    return organisation_page(request, organisation, form)


@require_POST
def invitation_resend(request, pk):
    invitation = get_managed_invitation(request, pk)
    run_and_report(request, lambda: services.invitation_resend(invitation, by=request.user,
                                                                site_url=site_url(request)),
                   f"Invitation renvoyée à {invitation.email} : le lien précédent ne fonctionne plus.")
    return redirect("people:organisation", pk=invitation.organisation_id)


@require_POST
def invitation_revoke(request, pk):
    invitation = get_managed_invitation(request, pk)
    run_and_report(request, lambda: services.invitation_revoke(invitation, by=request.user),
                   f"L'invitation de {invitation.email} est révoquée.")
    return redirect("people:organisation", pk=invitation.organisation_id)


def withdraw(request, pk):
    """GET: what withdrawing this role means; POST: withdraw it."""
    membership = get_object_or_404(
        Membership.objects.select_related("user", "organisation").filter(
            organisation__in=organisations_managed_by(request.user)
        ),
        pk=pk,
    )
    if request.method == "POST":
        person = membership.user.get_full_name() or membership.user.username
        if run_and_report(request, lambda: services.access_withdraw(membership, by=request.user),
                          f"L'accès de {person} comme {membership.get_role_display()} est retiré."):
            return redirect("people:organisation", pk=membership.organisation_id)
    others = membership.user.memberships.exclude(pk=membership.pk).select_related("organisation")
    return render(request, "people/withdraw.html", {"membership": membership, "others": others})


@login_not_required
def accept(request, token):
    """The invitation's link: choose a password (or, with an account already, confirm), then in."""
    invitation = Invitation.objects.for_token(token)
    if invitation is None:
        raise Http404("Ce lien d'invitation n'existe pas : vérifiez qu'il a été copié en entier.")
    context = {"invitation": invitation, "refusal": invitation.refusal()}
    if context["refusal"]:
        return render(request, "people/accept.html", context, status=410)
    User = get_user_model()
    existing = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
    context["existing"] = existing
    form = None
    if existing is None:
        account = User(username=invitation.email, email=invitation.email)
        form = AcceptInvitationForm(request.POST or None, account=account, initial={
            "first_name": invitation.first_name, "last_name": invitation.last_name,
        })
    context["form"] = form
    if request.method == "POST" and (form is None or form.is_valid()):
        fields = form.cleaned_data if form else {}
        try:
            account = services.invitation_accept(
                invitation, password=fields.get("password1"), first_name=fields.get("first_name", ""),
                last_name=fields.get("last_name", ""), user=request.user if request.user.is_authenticated else None,
            )
        except DomainError as error:
            context["error"] = error.message
        else:
            login(request, account, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Bienvenue : vous avez accès comme {invitation.get_role_display()} "
                                      f"de « {invitation.organisation} ».")
            return redirect("/")
    return render(request, "people/accept.html", context)


@require_safe
def convention_access(request, slug):
    """« Qui a accès » : every person with a role on the convention, their role, their last login."""
    convention = get_convention(request, slug)
    organisations = Organisation.objects.filter(
        Q(pk=convention.caf_id) | Q(signatures__convention=convention)
    ).distinct().order_by("kind", "name").prefetch_related(Prefetch("memberships", queryset=MEMBERSHIPS))
    for organisation in organisations:
        # A role counts where `conventions.rules.role_on` reads it: Caf staff in the Caf, others elsewhere.
        is_caf = organisation.pk == convention.caf_id
        organisation.people = [m for m in organisation.memberships.all() if (m.role == Role.CAF) == is_caf]
    managed = set(organisations_managed_by(request.user).filter(pk__in=organisations).values_list("pk", flat=True))
    context = convention_context(request, convention, "acces")
    context.update(organisations=organisations, managed=managed)
    return render(request, "people/convention_access.html", context)
