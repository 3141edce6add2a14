"""Helpers of the conventions tests: a draft avenant with one operation and signing it in the page;
what a browser would send, the fields of a page's form read from its HTML."""

import datetime
from html.parser import HTMLParser

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


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.form = [], None
        self.textarea = self.select = None
        self.options = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = {}
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.form.setdefault(attrs["name"], []).append(attrs.get("value", "on" if attrs.get("type") == "checkbox" else ""))
        elif tag == "textarea" and attrs.get("name"):
            self.textarea = attrs["name"]
            self.form.setdefault(self.textarea, []).append("")
        elif tag == "select" and attrs.get("name"):
            self.select, self.options = attrs["name"], []
        elif tag == "option" and self.select:
            self.options.append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self.textarea:
            self.form[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea:
            value = self.form[self.textarea][-1]
            self.form[self.textarea][-1] = value[1:] if value.startswith("\n") else value
            self.textarea = None
        elif tag == "select" and self.select:
            chosen = [value for value, selected in self.options if selected] or [v for v, _ in self.options[:1]]
            self.form.setdefault(self.select, []).extend(chosen)
            self.select = None
        elif tag == "form":
            self.form = None


def form_data(response, containing):
    """The fields of the page's form that has a field named `containing`, as a browser submits
    them (checked boxes only, the selected option of each select), ready for `client.post`."""
    parser = _Forms()
    parser.feed(response.content.decode())
    form = next(f for f in parser.forms if containing in f)
    return {name: values if len(values) > 1 else values[0] for name, values in form.items()}


def region_data(response):
    """The fields of a region htmx swapped into the page (a response without its <form>)."""
    parser = _Forms()
    parser.feed(f"<form>{response.content.decode()}</form>")
    return {name: values if len(values) > 1 else values[0] for name, values in parser.forms[0].items()}
