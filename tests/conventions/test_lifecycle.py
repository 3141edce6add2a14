"""The lifecycle of a convention: préparation → signée → en renouvellement → échue, and
« abandonnée »; every guard of the signature with its French message, every transition in the
timeline and the journal with its author, the phase that time gives, the roles."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conventions import lifecycle
from conventions.enums import ConventionStatus, OrganisationKind, Role
from conventions.models import Convention, Deliberation, Signatory, StatusChange
from conventions.phase import renewal_starts_on
from ctg.errors import DomainError
from evaluation import services as evaluation
from evaluation.enums import MilestoneKind, MilestoneStatus
from tests.factories import (
    ArticleFactory,
    AvenantFactory,
    AxisFactory,
    ConventionFactory,
    FicheFactory,
    MilestoneFactory,
    OrganisationFactory,
    collectivite_of,
    user_with_role,
    users_for,
)

pytestmark = pytest.mark.django_db

SIGNED_ON = datetime.date(2027, 3, 15)


def preparation(**fields):
    """A convention in préparation, signed by the Caf, an EPCI and a commune, with an article and
    a plan covering the four mandatory thématiques: nothing else is missing for its signature."""
    convention = ConventionFactory(status=ConventionStatus.PREPARATION, signed_on=None,
                                   start=datetime.date(2027, 1, 1), end=datetime.date(2031, 12, 31), **fields)
    commune = OrganisationFactory(name="Commune de Bourg-Achard", kind=OrganisationKind.COMMUNE)
    Signatory.objects.create(convention=convention, organisation=commune, representative="Le maire", capacity="Maire",
                             position=2)
    ArticleFactory(convention=convention, number="1", title="Objet de la convention")
    axis = AxisFactory(convention=convention, number=1, title="Grandir sur le territoire")
    FicheFactory(axis=axis, number=1, key="accueil", title="Développer l'accueil du jeune enfant",
                 themes=["petite_enfance", "parentalite"])
    FicheFactory(axis=axis, number=2, key="jeunes", title="Accompagner les jeunes", themes=["enfance", "jeunesse"])
    return convention


def complete(convention):
    """Record what the signature needs besides its date and place."""
    for organisation in lifecycle.collectivities(convention):
        Deliberation.objects.create(convention=convention, organisation=organisation, body="Conseil",
                                    date=datetime.date(2027, 2, 20), title="Approbation de la CTG")
    convention.caf_validation_body, convention.caf_validation_on = "Conseil d'administration", datetime.date(2027, 2, 10)
    convention.save()
    return convention


def sign(convention, user, **overrides):
    arguments = {"signed_on": SIGNED_ON, "signed_at": "Bourg-Achard", **overrides}
    return lifecycle.convention_sign(convention, by=user, **arguments)


@pytest.fixture
def convention():
    return preparation()


@pytest.fixture
def users(convention):
    users = users_for(convention)
    users["caf"].first_name, users["caf"].last_name = "Jeanne", "Martin"
    users["caf"].save()
    return users


# ---------------------------------------------------------------------------------------------
# Every guard of the signature


def test_a_refused_signature_names_every_missing_item_at_its_place(convention, users):
    convention.fiches.get(key="jeunes").delete()
    with pytest.raises(lifecycle.SignatureRefused) as refusal:
        sign(convention, users["caf"], signed_on=None, signed_at=" ")
    problems = refusal.value.problems
    assert problems["signed_on"] == ["Indiquez la date de signature."]
    assert problems["signed_at"] == ["Indiquez le lieu de signature."]
    epci = collectivite_of(convention).name
    assert problems["deliberations"] == [
        f"Délibération manquante (annexe 7) : {epci}. Enregistrez la délibération de son conseil approuvant la convention.",
        "Délibération manquante (annexe 7) : Commune de Bourg-Achard. Enregistrez la délibération de son conseil "
        "approuvant la convention.",
    ]
    assert problems["caf_validation"] == [
        "Indiquez l'instance de la Caf qui a validé la convention (conseil d'administration, commission d'action "
        "sociale…) et la date de cette validation."
    ]
    assert [p.split(".")[0] for p in problems["themes"]] == [
        "Thématique obligatoire absente : enfance", "Thématique obligatoire absente : jeunesse"]
    assert "La convention ne peut pas être signée : Indiquez la date de signature." in refusal.value.message
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.PREPARATION and not convention.status_changes.exists()


@pytest.mark.parametrize("missing, place, message", [
    ("commune", "deliberations", "Délibération manquante (annexe 7) : Commune de Bourg-Achard."),
    ("validation_body", "caf_validation", "Indiquez l'instance de la Caf qui a validé la convention"),
    ("validation_late", "caf_validation",
     "La validation par la Caf (le 20/03/2027) doit précéder la signature (le 15/03/2027)."),
    ("parentalite", "themes", "Thématique obligatoire absente : parentalité."),
    ("date", "signed_on", "Indiquez la date de signature."),
    ("place", "signed_at", "Indiquez le lieu de signature."),
])
def test_each_guard_refuses_alone_with_its_message(convention, users, missing, place, message):
    complete(convention)
    overrides = {}
    match missing:
        case "commune":
            convention.deliberations.filter(organisation__name="Commune de Bourg-Achard").delete()
        case "validation_body":
            Convention.objects.filter(pk=convention.pk).update(caf_validation_body="")
        case "validation_late":
            Convention.objects.filter(pk=convention.pk).update(caf_validation_on=datetime.date(2027, 3, 20))
        case "parentalite":
            convention.fiches.get(key="accueil").theme_links.filter(theme="parentalite").delete()
        case "date":
            overrides["signed_on"] = None
        case "place":
            overrides["signed_at"] = ""
    convention.refresh_from_db()
    with pytest.raises(lifecycle.SignatureRefused) as refusal:
        sign(convention, users["caf"], **overrides)
    assert list(refusal.value.problems) == [place]
    assert refusal.value.problems[place][0].startswith(message)


def test_a_convention_without_a_signatory_collectivite_is_refused():
    convention = ConventionFactory(status=ConventionStatus.PREPARATION, signed_on=None)
    convention.signatories.exclude(organisation=convention.caf).delete()
    with pytest.raises(lifecycle.SignatureRefused) as refusal:
        sign(convention, None)
    assert refusal.value.problems["deliberations"] == ["La convention n'a aucune collectivité signataire."]


def test_only_a_convention_in_preparation_is_signed(convention, users):
    complete(convention)
    sign(convention, users["caf"])
    with pytest.raises(DomainError, match="Cette convention est déjà signée."):
        sign(convention, users["caf"])
    other = complete(preparation())
    lifecycle.convention_abandon(other, by=users["caf"])
    with pytest.raises(DomainError, match="abandonnée : reprenez-la avant de la signer"):
        sign(other, users["caf"])


def test_signing_records_the_date_the_place_the_stamp_and_who(convention, users):
    complete(convention)
    sign(convention, users["caf"], note="Signée en séance du COPIL.", prefecture_act_id="027-200066405-20270315-CTG-DE")
    convention.refresh_from_db()
    assert (convention.status, convention.signed_on, convention.signed_at) == (ConventionStatus.SIGNEE, SIGNED_ON,
                                                                              "Bourg-Achard")
    assert convention.prefecture_act_id == "027-200066405-20270315-CTG-DE"
    change = convention.status_changes.get()
    assert (change.from_status, change.to_status, change.by, change.note) == (
        "preparation", "signee", users["caf"], "Signée en séance du COPIL.")
    assert convention.history.latest().history_user == users["caf"]


# ---------------------------------------------------------------------------------------------
# The confirmation page


def signature_url(convention):
    return reverse("conventions:signature", args=[convention.slug])


@pytest.mark.parametrize("role, status", [("caf", 200), ("coordinateur", 403), ("elu", 403), ("outsider", 404)])
def test_only_the_caf_reaches_the_signature(client, convention, users, role, status):
    client.force_login(users[role])
    assert client.get(signature_url(convention)).status_code == status
    assert client.post(signature_url(convention), {"signed_on": "2027-03-15", "signed_at": "Bourg-Achard"}).status_code == status
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.PREPARATION


def test_the_confirmation_page_lists_what_becomes_frozen_and_what_is_missing(client, convention, users):
    client.force_login(users["caf"])
    content = client.get(signature_url(convention)).content.decode()
    assert "Ce que la signature fige" in content
    for text in ["Article 1 — Objet de la convention", "Axe 1 — Grandir sur le territoire",
                 "Action 1 — Développer l&#x27;accueil du jeune enfant", "Action 2 — Accompagner les jeunes",
                 "Annexe 3 — Équipements et services soutenus", "Annexe 7 — Délibérations"]:
        assert text in content, text
    assert "Délibération manquante (annexe 7) : Commune de Bourg-Achard." in content
    assert "Le plan d&#x27;actions couvre les 4 thématiques obligatoires." in content
    assert "Signer la convention" in client.get(convention.get_absolute_url()).content.decode()
    client.force_login(users["coordinateur"])
    assert "Signer la convention" not in client.get(convention.get_absolute_url()).content.decode()


def test_a_refused_signature_keeps_the_typing_and_shows_each_problem_at_its_place(client, convention, users):
    client.force_login(users["caf"])
    response = client.post(signature_url(convention), {"signed_on": "", "signed_at": "Bourg-Achard",
                                                       "note": "Première tentative"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["signed_on"] == ["Indiquez la date de signature."] and "signed_at" not in form.errors
    content = response.content.decode()
    assert 'value="Bourg-Achard"' in content and "Première tentative" in content
    assert "La convention ne peut pas être signée" in content
    assert 'href="#deliberations"' in content and 'href="#caf_validation"' in content
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.PREPARATION and convention.signed_at == ""


def test_the_caf_validation_is_recorded_from_the_confirmation_page(client, convention, users):
    client.force_login(users["caf"])
    url = reverse("conventions:caf_validation", args=[convention.slug])
    response = client.post(url, {"caf_validation_body": "", "caf_validation_on": ""})
    assert response.status_code == 200
    assert response.context["validation_form"].errors["caf_validation_body"] == ["Ce champ est obligatoire."]
    response = client.post(url, {"caf_validation_body": "Commission d'action sociale", "caf_validation_on": "2027-02-10"})
    assert response.status_code == 302
    convention.refresh_from_db()
    assert (convention.caf_validation_body, convention.caf_validation_on) == ("Commission d'action sociale",
                                                                             datetime.date(2027, 2, 10))
    client.force_login(users["coordinateur"])
    assert client.post(url, {"caf_validation_body": "X", "caf_validation_on": "2027-02-11"}).status_code == 403


def test_signing_through_the_page_shows_in_the_timeline_and_the_journal_with_its_author(client, convention, users):
    complete(convention)
    client.force_login(users["caf"])
    response = client.post(signature_url(convention), {"signed_on": "2027-03-15", "signed_at": "Bourg-Achard",
                                                       "note": "Signée au COPIL de mars."})
    assert response.status_code == 302 and response.url == convention.get_absolute_url()
    page = client.get(convention.get_absolute_url())
    event = next(e for e in page.context["timeline"] if e["kind"] == "statut")
    assert event["title"] == "Statut : signée" and event["change"].by == users["caf"]
    content = page.content.decode()
    assert "En préparation → Signée, par Jeanne Martin" in content and "Signée au COPIL de mars." in content
    journal = client.get(reverse("conventions:journal", args=[convention.slug])).context["journal"].entries
    line = next(e for e in journal if e.model == "StatusChange")
    assert (line.author, line.subject, line.kind_label, line.changes) == (
        "Jeanne Martin", "Statut de la convention : en préparation → signée", "changement de statut",
        ["Note : Signée au COPIL de mars."])


# ---------------------------------------------------------------------------------------------
# The other transitions


def post_status(client, convention, action, note=""):
    return client.post(reverse("conventions:status_change", args=[convention.slug, action]), {"note": note},
                       follow=True)


def test_a_preparation_is_abandoned_then_taken_up_again_each_step_in_the_timeline(client, convention, users):
    client.force_login(users["caf"])
    post_status(client, convention, "abandon", "Fusion des communautés de communes.")
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.ABANDONNEE and convention.phase == ConventionStatus.ABANDONNEE
    content = post_status(client, convention, "reprise").content.decode()
    assert "La préparation de la convention reprend." in content
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.PREPARATION
    changes = [(c.from_status, c.to_status, c.by, c.note) for c in StatusChange.objects.filter(convention=convention)]
    assert changes == [("preparation", "abandonnee", users["caf"], "Fusion des communautés de communes."),
                       ("abandonnee", "preparation", users["caf"], "")]
    titles = [e["title"] for e in client.get(convention.get_absolute_url()).context["timeline"] if e["kind"] == "statut"]
    assert titles == ["Statut : abandonnée", "Statut : en préparation"]


def test_an_abandoned_preparation_is_not_edited(client, convention, users):
    lifecycle.convention_abandon(convention, by=users["caf"])
    client.force_login(users["coordinateur"])
    response = client.post(reverse("actions:axis_create", args=[convention.slug]), {"new-axis-title": "Nouvel axe"})
    assert response.status_code == 403
    assert "La préparation de cette convention est abandonnée : reprenez-la avant de la modifier." in response.content.decode()


@pytest.mark.parametrize("service, status, message", [
    (lifecycle.convention_abandon, ConventionStatus.SIGNEE,
     "Seule une convention en préparation peut être abandonnée : une convention signée court jusqu'à son terme."),
    (lifecycle.convention_abandon, ConventionStatus.ABANDONNEE, "La préparation de cette convention est déjà abandonnée."),
    (lifecycle.convention_resume, ConventionStatus.PREPARATION, "Seule une préparation abandonnée peut être reprise."),
    (lifecycle.convention_start_renewal, ConventionStatus.PREPARATION,
     "Seule une convention signée peut entrer en renouvellement."),
    (lifecycle.convention_start_renewal, ConventionStatus.RENOUVELLEMENT, "La convention est déjà en renouvellement."),
])
def test_transitions_refuse_from_the_wrong_status(service, status, message):
    convention = ConventionFactory(status=status, end=timezone.localdate() + datetime.timedelta(days=100))
    with pytest.raises(DomainError) as refusal:
        service(convention, by=None)
    assert refusal.value.message == message
    assert not convention.status_changes.exists()


def test_the_renewal_starts_by_hand(client):
    convention = ConventionFactory(end=timezone.localdate() + datetime.timedelta(days=200))
    caf = user_with_role(Role.CAF, convention.caf, first_name="Jeanne", last_name="Martin")
    client.force_login(caf)
    content = post_status(client, convention, "renouvellement", "Lancement de l'évaluation.").content.decode()
    assert "La convention est en renouvellement." in content
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.RENOUVELLEMENT
    assert '<span class="badge badge--renouvellement">En renouvellement</span>' in content
    assert "Signée → En renouvellement, par Jeanne Martin" in content


def test_an_ended_convention_does_not_enter_renewal():
    convention = ConventionFactory(end=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(DomainError, match=r"La convention a pris fin le .* : elle est échue\."):
        lifecycle.convention_start_renewal(convention, by=None)


@pytest.mark.parametrize("role, status", [("coordinateur", 403), ("elu", 403), ("outsider", 404)])
def test_only_the_caf_changes_the_status(client, convention, users, role, status):
    client.force_login(users[role])
    for action in ["abandon", "reprise", "renouvellement"]:
        response = client.post(reverse("conventions:status_change", args=[convention.slug, action]))
        assert response.status_code == status
    assert not convention.status_changes.exists()


# ---------------------------------------------------------------------------------------------
# The phase: « en renouvellement » and « échue » follow from the dates, nobody clicks


def badge(client, url):
    content = client.get(url).content.decode()
    return content.split('class="badge badge--')[1].split("<")[0]


def test_a_convention_whose_end_has_passed_is_shown_echue_the_next_day(client):
    today = timezone.localdate()
    ends_today = ConventionFactory(start=datetime.date(2020, 1, 1), end=today, title="A — finit aujourd'hui")
    ended = ConventionFactory(caf=ends_today.caf, start=datetime.date(2020, 1, 1), end=today - datetime.timedelta(days=1),
                              title="B — finie hier")
    client.force_login(user_with_role(Role.CAF, ends_today.caf))
    assert badge(client, ends_today.get_absolute_url()) == 'signee">Signée'
    assert badge(client, ended.get_absolute_url()) == 'echue">Échue'
    listing = client.get(reverse("conventions:list"))
    assert [(c.title, c.phase) for c in listing.context["conventions"]] == [
        ("A — finit aujourd'hui", ConventionStatus.SIGNEE), ("B — finie hier", ConventionStatus.ECHUE)]
    assert '<span class="badge badge--echue">Échue</span>' in listing.content.decode()
    ended.refresh_from_db()
    assert ended.status == ConventionStatus.SIGNEE  # what people decided is kept
    assert ended.phase_on(today - datetime.timedelta(days=1)) == ConventionStatus.SIGNEE


def test_an_avenant_that_extends_the_convention_delays_its_end(client):
    today = timezone.localdate()
    convention = ConventionFactory(start=datetime.date(2020, 1, 1), end=today - datetime.timedelta(days=10))
    AvenantFactory(convention=convention, effective_from=datetime.date(2021, 1, 1),
                   effective_until=today + datetime.timedelta(days=30))
    assert convention.phase_on(today) == ConventionStatus.SIGNEE
    assert convention.phase_on(today + datetime.timedelta(days=31)) == ConventionStatus.ECHUE
    client.force_login(user_with_role(Role.CAF, convention.caf))
    assert [c.phase for c in client.get(reverse("conventions:list")).context["conventions"]] == [ConventionStatus.SIGNEE]


def test_the_renewal_begins_with_its_first_milestone(client):
    today = timezone.localdate()
    # The evaluation of the renewal (17 to 14 months before the end) is under way.
    convention = ConventionFactory(start=today.replace(year=today.year - 4), end=today + datetime.timedelta(days=500))
    MilestoneFactory(convention=convention, start=today - datetime.timedelta(days=40), end=today)  # a bilan, not renewal
    assert convention.phase_on(today) == ConventionStatus.SIGNEE
    evaluation.milestones_generate(convention, by=None)
    first = renewal_starts_on(convention)
    assert first == convention.milestones.get(generated_key="renouvellement:evaluation").start
    assert first <= today < first + datetime.timedelta(days=400)
    assert convention.phase_on(first - datetime.timedelta(days=1)) == ConventionStatus.SIGNEE
    assert convention.phase_on(first) == ConventionStatus.RENOUVELLEMENT
    client.force_login(user_with_role(Role.CAF, convention.caf))
    assert badge(client, convention.get_absolute_url()) == 'renouvellement">En renouvellement'
    assert [c.phase for c in client.get(reverse("conventions:list")).context["conventions"]] == [
        ConventionStatus.RENOUVELLEMENT]
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.SIGNEE


def test_only_renewal_steps_begun_after_the_signature_and_not_cancelled_count():
    today = timezone.localdate()
    convention = ConventionFactory(start=datetime.date(2020, 1, 1), signed_on=datetime.date(2020, 12, 17),
                                   end=today + datetime.timedelta(days=400))
    # The diagnostic that prepared this convention, before its signature; a cancelled evaluation.
    MilestoneFactory(convention=convention, kind=MilestoneKind.DIAGNOSTIC, start=None, end=datetime.date(2020, 10, 5))
    MilestoneFactory(convention=convention, kind=MilestoneKind.EVALUATION, start=today - datetime.timedelta(days=5),
                     end=today, status=MilestoneStatus.ANNULE)
    MilestoneFactory(convention=convention, kind=MilestoneKind.BILAN_FINAL, start=today, end=today)
    assert renewal_starts_on(convention) is None and convention.phase_on(today) == ConventionStatus.SIGNEE
    MilestoneFactory(convention=convention, kind=MilestoneKind.DIAGNOSTIC, start=None, end=today)  # due today
    assert renewal_starts_on(convention) == today and convention.phase_on(today) == ConventionStatus.RENOUVELLEMENT


# ---------------------------------------------------------------------------------------------
# The préfecture stamp, at signature or later


def test_the_prefecture_stamp_is_recorded_after_signature_by_the_caf_only(client):
    convention = ConventionFactory()
    staff = users_for(convention)
    url = reverse("conventions:prefecture_stamp", args=[convention.slug])
    stamp = {"prefecture_sent_on": "2022-01-05", "prefecture_received_on": "2022-01-05",
             "prefecture_published_on": "", "prefecture_act_id": "027-200066405-20220105-CTG-DE"}
    for role, status in [("coordinateur", 403), ("elu", 403), ("outsider", 404)]:
        client.force_login(staff[role])
        assert client.post(url, stamp).status_code == status
    client.force_login(staff["caf"])
    assert client.get(url).status_code == 200
    assert client.post(url, {**stamp, "prefecture_sent_on": "05/13/2022"}).status_code == 200  # invalid date: kept
    assert client.post(url, stamp).status_code == 302
    convention.refresh_from_db()
    assert convention.prefecture_act_id == "027-200066405-20220105-CTG-DE"
    assert convention.prefecture_received_on == datetime.date(2022, 1, 5)
    assert "Reçu en préfecture le" in client.get(convention.get_absolute_url()).content.decode()


def test_no_prefecture_stamp_before_signature(client, convention, users):
    client.force_login(users["caf"])
    response = client.get(reverse("conventions:prefecture_stamp", args=[convention.slug]))
    assert response.status_code == 403
    assert "Le tampon de la préfecture s&#x27;enregistre une fois la convention signée." in response.content.decode()


# ---------------------------------------------------------------------------------------------
# The confirmation page keeps a fixed number of queries


def test_the_confirmation_page_does_not_grow_with_the_plan(client, django_assert_num_queries,
                                                          django_assert_max_num_queries):
    small, large = preparation(), preparation()
    for convention, count in [(small, 2), (large, 40)]:
        axis = AxisFactory(convention=convention, number=2)
        for i in range(count):
            FicheFactory(axis=axis, number=10 + i, themes=["enfance", "logement"])
            ArticleFactory(convention=convention, number=f"{10 + i}")
            axis.objectives.create(number=i + 1, title=f"Objectif {i}")
    user = users_for(small)["caf"]
    user.memberships.create(organisation=large.caf, role=Role.CAF)
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(signature_url(small)).status_code == 200
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert client.get(signature_url(large)).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(signature_url(large)).status_code == 200
