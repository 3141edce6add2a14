"""Helpers of the conventions tests: a draft avenant with one operation and signing it in the page."""

import datetime

from django.urls import reverse

from conventions import services


def draft_with_an_operation(convention, by):
    avenant = services.avenant_create(
        convention, by=by, effective_from=datetime.date(2025, 12, 15), effective_until=None, signed_at="",
        preamble="", object="Actualiser le SPPE.", visas=["Vu le décret n° 2025-253 du 20 mars 2025 ;"],
    )
    services.operation_amend_annex(avenant, by=by, annex=5, mode="complete", body="Le COPIL se réunit deux fois.")
    return avenant


def sign(client, convention, user, number=1):
    client.force_login(user)
    response = client.post(reverse("conventions:avenant_sign", args=[convention.slug, number]), {
        "signed_on": "2025-12-15", "signed_at": "Bourg-Achard", "prefecture_sent_on": "", "prefecture_received_on": "",
        "prefecture_published_on": "", "prefecture_act_id": ""})
    assert response.status_code == 302
