"""After a séance: presence, decisions (linked to a fiche, implemented by an avenant) and the
compte-rendu."""

import pytest
from django.urls import reverse

from governance.models import Decision, Participant
from tests.factories import AvenantFactory
from tests.helpers import login, management, page_form, text, two_writers

pytestmark = pytest.mark.django_db


def test_record_presence_decisions_and_minutes(client, convention, users, meeting, fiche):
    martin = Participant.objects.create(meeting=meeting, name="Mme Martin", position=0)
    leroy = Participant.objects.create(meeting=meeting, name="M. Leroy", position=1)
    avenant = AvenantFactory(convention=convention, number=2, status="brouillon")
    login(client, users, "caf")
    response = client.post(reverse("governance:meeting_minutes", args=[convention.slug, meeting.pk]), {
        "minutes": "## Échanges\r\n\r\nLe COPIL valide **le bilan**.<script>alert(1)</script>",
        **management("presence", total=3, initial=2),
        "presence-0-id": martin.pk, "presence-0-meeting": meeting.pk, "presence-0-name": "Mme Martin", "presence-0-present": "True",
        "presence-1-id": leroy.pk, "presence-1-meeting": meeting.pk, "presence-1-name": "M. Leroy", "presence-1-present": "False",
        "presence-2-name": "Invité surprise", "presence-2-present": "True",
        **management("decisions", total=2),
        "decisions-0-text": "Le plan d'actions est validé.",
        "decisions-1-text": "Élargir la passerelle aux 2-3 ans.", "decisions-1-fiche": fiche.pk, "decisions-1-avenant": avenant.pk,
    })
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes.startswith("## Échanges\n\nLe COPIL")
    widen = Decision.objects.get(fiche=fiche)
    assert widen.requires_avenant and widen.avenant == avenant and widen.position == 1

    response = client.get(meeting.get_absolute_url())
    page = text(response)
    assert "Présents (2)" in page and "Excusés ou absents (1)" in page
    assert "Mise en œuvre par l'avenant n°2" in page and "<strong>le bilan</strong>" in page
    assert "<script>alert(1)" not in response.content.decode()
    fiche_page = text(client.get(reverse("actions:fiche", args=[convention.slug, fiche.key])))
    assert "Élargir la passerelle aux 2-3 ans." in fiche_page and "avenant n°2" in fiche_page


def test_decision_cannot_point_to_another_conventions_avenant(client, convention, users, meeting):
    login(client, users, "caf")
    response = client.post(reverse("governance:meeting_minutes", args=[convention.slug, meeting.pk]), {
        "minutes": "", **management("presence"), **management("decisions", total=1),
        "decisions-0-text": "Décision", "decisions-0-avenant": AvenantFactory().pk,
    })
    assert response.status_code == 200 and not Decision.objects.exists()


def test_two_people_writing_the_minutes(client, convention, users, meeting):
    """The first save wins; the second sees it with its own typing kept, merges what it did not touch, and confirms."""
    Participant.objects.create(meeting=meeting, name="Mme Martin", position=0)
    Participant.objects.create(meeting=meeting, name="M. Leroy", position=1)
    Decision.objects.create(meeting=meeting, text="Le bilan est validé.", position=0)
    second = client.__class__()
    login(client, users, "caf")
    second.force_login(users["coordinateur"])
    url = reverse("governance:meeting_minutes", args=[convention.slug, meeting.pk])
    response = two_writers(client, second, url, "minutes",
                           {"minutes": "Compte-rendu de la Caf.", "presence-0-present": "True",
                            "decisions-0-text": "Le bilan est validé à l'unanimité."},
                           {"minutes": "Compte-rendu de la coordinatrice.", "presence-1-present": "False"})
    page = text(response)
    assert response.status_code == 409
    assert "Modifié entre-temps par" in page and "Compte-rendu de la Caf." in page
    assert "Compte-rendu de la coordinatrice." in page
    meeting.refresh_from_db()
    assert meeting.minutes == "Compte-rendu de la Caf."
    assert second.post(url, page_form(response, "minutes")).status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "Compte-rendu de la coordinatrice."
    assert [p.present for p in meeting.participants.order_by("position")] == [True, False]
    assert meeting.decisions.get().text == "Le bilan est validé à l'unanimité."
