"""« Préparer le renouvellement »: the demo's Roumois Seine CTG (2022-2026) gives its 2027-2031
successor, per role and per guard."""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from actions.enums import Nature
from actions.models import Fiche
from conventions.enums import ConventionStatus
from conventions.models import Commune, Convention
from ctg.errors import DomainError
from evaluation.enums import BilanKind
from evaluation.models import Milestone
from evaluation.renewal import continued_nature, convention_renew, renewable_fiches
from exchange.importer import import_document
from exchange.reading import load_json
from tests.factories import ConventionFactory, FicheFactory, users_for
from tests.helpers import DEMO_ROUMOIS, count_queries, text

pytestmark = pytest.mark.django_db

ROUMOIS = DEMO_ROUMOIS
NEW_START, NEW_END = datetime.date(2027, 1, 1), datetime.date(2031, 12, 31)


@pytest.fixture
def roumois():
    convention = import_document(load_json(ROUMOIS))
    bilan = convention.bilans.get(kind=BilanKind.FINAL)  # written in the demo document
    bilan.realisations = "Les ateliers d'éveil itinérants touchent les quarante communes."
    bilan.approach = "Le tableau de suivi partagé a nourri chaque comité de pilotage."
    bilan.save()
    return convention


@pytest.fixture
def users(roumois):
    return users_for(roumois)


def signed_convention(**kwargs):
    convention = ConventionFactory(**kwargs)
    Commune.objects.create(convention=convention, insee="27022", name="Bosroumois", population=1500)
    return convention


def renew(previous, user, fiches=(), **overrides):
    values = {"title": previous.title, "start": NEW_START, "end": NEW_END, "fiche_ids": [f.pk for f in fiches]}
    values.update(overrides)
    return convention_renew(previous, by=user, **values)


def test_the_new_ctg_takes_parties_territory_governance_and_the_chosen_fiches(roumois, users):
    chosen = [f for f in renewable_fiches(roumois) if f.number in (4, 13)]
    new = renew(roumois, users["caf"], chosen)

    assert new.status == ConventionStatus.PREPARATION and new.predecessor == roumois and roumois.successor == new
    assert new.slug == "roumois-seine-2027" and (new.start, new.end) == (NEW_START, NEW_END)
    parties = lambda c: [(s.organisation_id, s.representative, s.capacity) for s in c.signatories.all()]  # noqa: E731
    assert sorted(parties(new)) == sorted(parties(roumois))
    assert [(c.insee, c.name) for c in new.communes.all()] == [(c.insee, c.name) for c in roumois.communes.all()]
    bodies = lambda c: [(b.key, b.name, [m.name for m in b.members.all()]) for b in c.bodies.all()]  # noqa: E731
    assert bodies(new) == bodies(roumois) and any(members for _, _, members in bodies(new))
    officers = lambda c: [(o.name, o.fte, o.caf_funded) for o in c.cooperation_officers.all()]  # noqa: E731
    assert officers(new) == officers(roumois) and officers(new)
    assert new.diagnosis_indicators.count() == roumois.diagnosis_indicators.count() > 0

    fiches = list(new.fiches.order_by("number"))
    assert [(f.number, f.renewed_from.number) for f in fiches] == [(1, 13), (2, 4)]  # plan order: axe 1 first
    assert all(f.is_current and f.avenant is None for f in fiches)
    continued = next(f for f in fiches if f.renewed_from.number == 4)
    original = continued.renewed_from
    assert continued.title == original.title and continued.implementation == original.implementation
    assert continued.theme_slugs == original.theme_slugs
    assert [i.name for i in continued.indicators.all()] == [i.name for i in original.indicators.all()]
    assert continued.axis.convention == new and continued.axis.title == original.axis.title


def test_annexe_1_starts_from_the_bilan_final(roumois, users):
    new = renew(roumois, users["caf"])
    annex = new.previous_evaluation
    assert "d'après son bilan final" in annex and "CTG 2022-2026" in annex
    assert "Taux de réalisation :" in annex and "| Axe 1 — " in annex
    assert "- Répartition : 1 réalisée, 10 en cours, 1 reportée." in annex
    assert "Les ateliers d'éveil itinérants touchent les quarante communes." in annex
    assert "### La démarche : pilotage, partenariat, transversalité" in annex


def test_without_a_bilan_final_annexe_1_says_its_figures_come_from_the_tracking(users):
    previous = signed_convention()
    FicheFactory(convention=previous)
    new = renew(previous, users_for(previous)["caf"])
    assert "Son bilan final n'est pas encore rédigé" in new.previous_evaluation


def test_pages_link_the_two_ctgs_and_the_continued_fiches(client, roumois, users):
    chosen = [f for f in renewable_fiches(roumois) if f.number == 4]
    new = renew(roumois, users["caf"], chosen)
    client.force_login(users["coordinateur"])
    old_page = text(client.get(reverse("conventions:detail", args=[roumois.slug])))
    assert "CTG suivante" in old_page and reverse("conventions:detail", args=[new.slug]) in old_page
    assert "Préparer le renouvellement" not in old_page
    new_page = text(client.get(reverse("conventions:detail", args=[new.slug])))
    assert "CTG précédente" in new_page and reverse("conventions:detail", args=[roumois.slug]) in new_page
    copy = new.fiches.get()
    fiche_page = strip_tags(text(client.get(copy.get_absolute_url())))
    assert "Reconduite de l'action n°4 de la CTG 2022-2026" in fiche_page
    old_fiche_page = strip_tags(text(client.get(copy.renewed_from.get_absolute_url())))
    assert "Reconduite par l'action n°1 de la CTG 2027-2031" in old_fiche_page
    annexes = text(client.get(reverse("conventions:annexes", args=[new.slug])))
    assert reverse("evaluation:bilans", args=[roumois.slug]) in annexes
    milestones = text(client.get(reverse("evaluation:milestones", args=[new.slug])))
    assert "Préparation de cette CTG" in milestones and "Validation par la Caf" in milestones


def test_the_renewal_milestones_are_generated_when_the_previous_ctg_has_none(users):
    previous = signed_convention(end=datetime.date(datetime.date.today().year + 1, 12, 31))  # steps to come
    new = renew(previous, users_for(previous)["caf"])
    keys = set(previous.milestones.values_list("generated_key", flat=True))
    assert "renouvellement:validation_caf" in keys and not any(k.startswith("point_etape") for k in keys)
    assert new.milestones.count() == 0


def test_the_page_offers_unfinished_fiches_and_the_caf_creates_the_ctg(client, roumois, users):
    client.force_login(users["caf"])
    url = reverse("evaluation:renewal", args=[roumois.slug])
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["start"].value() == NEW_START and form["end"].value() == NEW_END
    done = next(f for f in renewable_fiches(roumois) if f.latest_status == "realisee")
    assert done.pk not in form["fiches"].value() and len(form["fiches"].value()) == len(renewable_fiches(roumois)) - 1
    chosen = [f.pk for f in renewable_fiches(roumois)][:2]
    response = client.post(url, {"title": "CTG Roumois Seine 2027-2031", "start": "2027-01-01", "end": "2031-12-31",
                                 "fiches": chosen})
    new = Convention.objects.get(predecessor=roumois)
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    assert new.title == "CTG Roumois Seine 2027-2031" and new.fiches.count() == 2


def test_a_wrong_period_is_refused_at_its_field_and_nothing_is_created(client, roumois, users):
    client.force_login(users["caf"])
    url = reverse("evaluation:renewal", args=[roumois.slug])
    response = client.post(url, {"title": "Ma nouvelle CTG", "start": "2022-01-01", "end": "2021-12-31"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "commence après le début" in form.errors["start"][0]
    assert "postérieure à son début" in form.errors["end"][0]
    assert form["title"].value() == "Ma nouvelle CTG"
    assert not Convention.objects.filter(predecessor=roumois).exists()


@pytest.mark.parametrize(("role", "status"), [("coordinateur", 403), ("elu", 403), ("outsider", 404)])
def test_only_the_caf_prepares_the_renewal(client, roumois, users, role, status):
    client.force_login(users[role])
    url = reverse("evaluation:renewal", args=[roumois.slug])
    assert client.get(url).status_code == status
    assert client.post(url, {"title": "x", "start": "2027-01-01", "end": "2031-12-31"}).status_code == status
    assert not Convention.objects.filter(predecessor=roumois).exists()
    if status == 403:
        page = text(client.get(reverse("conventions:detail", args=[roumois.slug])))
        assert "Préparer le renouvellement" not in page


def test_a_convention_in_preparation_is_not_renewed(client):
    previous = signed_convention(status=ConventionStatus.PREPARATION, signed_on=None)
    caf = users_for(previous)["caf"]
    with pytest.raises(DomainError, match="Seule une convention signée se renouvelle"):
        renew(previous, caf)
    client.force_login(caf)
    response = client.get(reverse("evaluation:renewal", args=[previous.slug]))
    assert response.status_code == 403 and "Seule une convention signée" in text(response)


def test_a_second_renewal_is_refused_until_the_first_is_abandoned(roumois, users):
    first = renew(roumois, users["caf"])
    with pytest.raises(DomainError, match="déjà en préparation"):
        renew(roumois, users["caf"])
    first.status = ConventionStatus.ABANDONNEE
    first.save()
    second = renew(roumois, users["caf"])
    assert second.slug == "roumois-seine-2027-2" and Convention.objects.get(pk=roumois.pk).successor == second


def test_a_refused_renewal_writes_nothing(roumois, users):
    elsewhere = FicheFactory()
    before = (Convention.objects.count(), Fiche.objects.count(), Milestone.objects.count())
    with pytest.raises(DomainError, match="n'est plus en vigueur"):
        renew(roumois, users["caf"], fiche_ids=[elsewhere.pk])
    assert (Convention.objects.count(), Fiche.objects.count(), Milestone.objects.count()) == before


def test_a_continued_action_is_no_longer_new():
    assert continued_nature([Nature.NOUVELLE, Nature.PHARE]) == [Nature.PHARE, Nature.EXISTANTE]
    assert continued_nature([Nature.PHARE]) == [Nature.PHARE]
    assert continued_nature([Nature.NOUVELLE, Nature.EXISTANTE]) == [Nature.EXISTANTE]


def test_the_renewal_page_does_not_grow_with_the_plan(client, two_sizes):
    small, large = two_sizes
    counts = [count_queries(client, reverse("evaluation:renewal", args=[c.slug])) for c in (small, large)]
    assert counts[0] == counts[1] <= 14
