"""What every form accepts (ctg.forms.CleanInputMixin), in the application and in the admin:
dates within the years 1900 to 2200, numbers within their bounds, text on one line but in a text
box, without control characters, of a bounded length."""

import datetime
import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from actions.forms import PlanFilterForm
from actions.models import Fiche
from conventions.forms import AmendAnnexForm
from ctg.dates import bounded, in_range
from ctg.forms import CleanInputMixin
from evaluation.forms import RenewalForm
from governance.forms import MinutesForm
from governance.models import CooperationOfficer
from tests.factories import (
    AvenantFactory,
    BodyFactory,
    ConventionFactory,
    FicheFactory,
    MeetingFactory,
    users_for,
)
from tests.governance.helpers import meeting_data
from tests.helpers import text

pytestmark = pytest.mark.django_db

APPS = ["actions", "agenda", "conventions", "ctg", "documents", "evaluation", "exchange", "governance", "people",
        "portfolio", "search"]
# The login forms store nothing.
EXEMPT = {"ctg.login.LoginForm", "ctg.login.AdminLoginForm"}


def project_forms():
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls


def test_every_form_of_the_application_cleans_its_input():
    found = {f"{cls.__module__}.{cls.__name__}": cls for cls in project_forms()}
    assert len(found) > 40
    missing = [name for name, cls in found.items() if name not in EXEMPT and not issubclass(cls, CleanInputMixin)]
    assert missing == []


def test_every_admin_form_cleans_its_input(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in ("axes", "auth"):
            continue
        assert issubclass(model_admin.get_form(request), CleanInputMixin), model
        for inline in model_admin.get_inline_instances(request):
            assert issubclass(inline.get_formset(request).form, CleanInputMixin), (model, inline)


def test_a_seance_on_31_12_9999_is_refused_at_its_field(client):
    copil = BodyFactory()
    client.force_login(users_for(copil.convention)["caf"])
    response = client.post(reverse("governance:meeting_create", args=[copil.convention.slug]),
                           meeting_data(copil, date="9999-12-31", time="23:30"))
    assert response.status_code == 200
    assert "Indiquez une date comprise entre le 01/01/1900 et le 31/12/2200." in text(response)
    assert not copil.meetings.exists()
    page = text(client.get(reverse("governance:meeting_create", args=[copil.convention.slug])))
    assert 'min="1900-01-01"' in page and 'max="2200-12-31"' in page


def test_an_avenant_extending_the_convention_to_9999_is_refused(client):
    convention = ConventionFactory()
    client.force_login(users_for(convention)["caf"])
    response = client.post(reverse("conventions:avenant_create", args=[convention.slug]), {
        "title": "", "effective_from": "2025-12-15", "effective_until": "9999-12-31", "signed_at": "",
        "preamble": "", "object": "Prolonger", "visas": "",
    })
    assert "Indiquez une date comprise entre le 01/01/1900 et le 31/12/2200." in text(response)
    assert not convention.avenants.exists()


def test_the_admin_refuses_a_negative_fte_a_fiche_number_0_and_a_year_9999(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    convention = ConventionFactory()
    officer_form = admin.site._registry[CooperationOfficer].get_form(request)(data={
        "convention": convention.pk, "name": "Mme Durand", "scope": "ctg", "themes": "[]", "fte": "-0.5",
        "position": 0,
    })
    assert "Assurez-vous que cette valeur est supérieure ou égale à 0." in officer_form.errors["fte"]
    fiche = FicheFactory(axis__convention=convention)
    fiche_admin = admin.site._registry[Fiche]
    initial = fiche_admin.get_form(request, fiche)(instance=fiche).initial
    data = {key: value for key, value in initial.items() if value is not None and not isinstance(value, list)}
    fiche_form = fiche_admin.get_form(request, fiche)(instance=fiche, data={
        **data, "number": "0", "start_year": "9999", "themes_snapshot": "", "indicators_snapshot": "",
    })
    assert "Assurez-vous que cette valeur est supérieure ou égale à 1." in fiche_form.errors["number"]
    assert "Assurez-vous que cette valeur est inférieure ou égale à 2200." in fiche_form.errors["start_year"]


def test_the_shared_date_rule():
    assert in_range(datetime.date(2200, 12, 31)) and not in_range(datetime.date(9999, 12, 31))
    assert bounded(datetime.date(9999, 12, 31)) == datetime.date(2200, 12, 31)


def test_a_crafted_title_is_stored_on_one_line_and_a_text_box_keeps_its_lines(client):
    copil = BodyFactory()
    client.force_login(users_for(copil.convention)["caf"])
    response = client.post(reverse("governance:meeting_create", args=[copil.convention.slug]),
                           meeting_data(copil, title="COPIL\r\nde juin\x01", place="Salle\tdu conseil\x1b"))
    meeting = copil.meetings.get()
    assert response.status_code == 302
    assert (meeting.title, meeting.place) == ("COPIL de juin", "Salle du conseil")
    minutes = MinutesForm(data={"minutes": "Ouverture\r\n\r\n- point\x07 un\u2028fin"}, instance=meeting)
    assert minutes.is_valid() and minutes.cleaned_data["minutes"] == "Ouverture\n\n- point un\nfin"


def test_a_title_made_of_control_characters_only_is_missing():
    form = RenewalForm(data={"title": "\x01\x1b", "start": "2027-01-01", "end": "2031-12-31"},
                       previous=ConventionFactory(), fiches=[])
    assert form.errors == {"title": ["Ce champ est obligatoire."]}


def test_text_boxes_and_lines_have_a_maximum_length(client):
    # A fiche box of one 2.4-million-character word kept the PDF worker busy for good.
    meeting = MeetingFactory()
    minutes = MinutesForm(data={"minutes": "x" * 20_001}, instance=meeting)
    assert minutes.errors["minutes"] == [
        "Assurez-vous que cette valeur comporte au plus 20000 caractères (actuellement 20001)."
    ]
    assert MinutesForm(data={"minutes": "x" * 20_000}, instance=meeting).is_valid()
    annex = AmendAnnexForm(data={"annex": "2", "mode": "replace", "body": "mot " * 6000}, avenant=AvenantFactory())
    assert "au plus 20000 caractères" in annex.errors["body"][0]
    search = PlanFilterForm(data={"q": "x" * 1001}, convention=meeting.convention)
    assert "au plus 1000 caractères" in search.errors["q"][0]
