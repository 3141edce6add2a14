"""No silent lost edit: when two people edit the same thing, the second save neither overwrites
the first nor loses its own typing.

A page that edits stored values carries, from the moment it was opened:

- the *version* of what it edits: the id of its latest django-simple-history record (every save
  writes one). `EditForm` adds it to a form editing one row; `VersionForm` carries it for a page
  editing a set of rows (`version_of` takes any history queryset);
- the *base*: each field's value as the page showed it, in hidden « initial-… » inputs
  (`{{ form.base_inputs }}`, `BaseInputs` for a formset's rows).

The service saving the page locks the stored row and calls `check`. When the version moved,
each field compares three values: the base, what is stored now (*current*) and what the user
submitted (*mine*):

- only the user changed it: their value is saved;
- only someone else changed it: the current value is kept (the user's page showed the old one);
- both changed it, to different values: a *clash*.

`check` then raises `EditConflict`, carrying the page's data *rebased* on what is stored now:
the current values where the user typed nothing, the user's typing elsewhere, the new version
and base. `save_rebasing` builds the forms again from it and, without clash, saves them at once
(the other person's changes are kept, the user is told); with clashes the page answers 409 with
the user's typing kept and each clash shown (« Modifié entre-temps par … »): saving again
confirms.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Max, Model, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import model_to_dict
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ctg.errors import DomainError
from ctg.forms import CleanInputMixin

# Form fields that say how a formset row is handled, not what it says.
CONTROL_FIELDS = {"version", "id", "DELETE", "ORDER"}
# The hidden input telling that a form's base inputs were sent (an empty list sends no input).
BASE_MARK = "base"
# What `rows` pairs with a form whose stored row was deleted meanwhile.
REMOVED = object()


# ---------------------------------------------------------------------------------------------
# Versions


def version_of(history):
    """The version of what `history` (a history queryset, or a row with `history`) records: its
    latest record's id; 0 when there is none. A row fetched `with_version` already knows it."""
    if history is None:
        return 0
    if isinstance(history, Model):
        if getattr(history, "edit_version", None) is not None:
            return history.edit_version
        if history.pk is None:
            return 0
        history = history.history.all()
    return history.aggregate(version=Max("history_id"))["version"] or 0


def versions_of(model, pks):
    """{pk: version} of the rows `pks` of `model`, in one query."""
    rows = model.history.filter(id__in=list(pks)).values("id").annotate(version=Max("history_id")).order_by()
    return {pk: 0 for pk in pks} | {row["id"]: row["version"] for row in rows}


def with_version(queryset):
    """The rows of `queryset`, each with `edit_version`, read in the same query as its values."""
    records = queryset.model.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_id")
    return queryset.annotate(edit_version=Coalesce(Subquery(records.values("history_id")[:1]), 0))


def authors_since(history, version):
    """Who wrote the records of `history` after `version`, by name, in order."""
    names = []
    for record in history.filter(history_id__gt=version).select_related("history_user").order_by("history_id"):
        user = record.history_user
        name = (user.get_full_name() or user.get_username()) if user else ""
        if name and name not in names:
            names.append(name)
    return names


# ---------------------------------------------------------------------------------------------
# Forms


class BaseInputs:
    """A form showing stored values (a row of a formset, or `EditForm`): `base_inputs` renders each
    field's value as the page shows it, for `check` to tell what the user changed. `initial_for`
    says what the form would show for a row as stored now."""

    def merged_fields(self):
        """The fields whose values are merged: what the user reads and types."""
        return [name for name, f in self.fields.items() if name not in CONTROL_FIELDS and not f.widget.is_hidden]

    @property
    def base_inputs(self):
        inputs = [format_html('<input type="hidden" name="{}" value="1">', self.add_initial_prefix(BASE_MARK))]
        for name in self.merged_fields():
            bound, widget = self[name], self.fields[name].hidden_widget()
            widget.is_localized = bool(self.fields[name].localize)
            key = bound.html_initial_name
            if self.is_bound and self.add_initial_prefix(BASE_MARK) in self.data:
                value = widget.value_from_datadict(self.data, self.files, key)  # what the page was opened with
            else:
                value = self.fields[name].prepare_value(bound.initial)
            inputs.append(widget.render(key, value, renderer=self.renderer))
        if "version" in self.fields:
            inputs.append(str(self["version"]))
        return mark_safe("".join(inputs))

    def initial_for(self, obj):
        """The values the form shows for `obj` as stored now; a model form's by default."""
        return model_to_dict(obj, fields=self.merged_fields())

    def label_of(self, name):
        """A field's label in a clash: a formset row's is prefixed by the row it shows."""
        label = str(self.fields[name].label or name)
        row = getattr(self, "instance", None)
        return f"{row} — {label}" if row is not None and row.pk and not isinstance(self, EditForm) else label


class EditForm(BaseInputs):
    """A form editing one stored row: it carries the version the user opened (`opened_version`,
    None when the page sent none) and the base values. `versioned`: what `version_of` reads, a
    model form's instance by default."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read when the page is shown (callable initial), not on each POST.
        self.fields["version"] = forms.IntegerField(
            required=False, min_value=0, widget=forms.HiddenInput, initial=lambda: version_of(self.versioned),
        )

    @property
    def versioned(self):
        return self.instance if self.instance.pk else None

    @property
    def opened_version(self):
        return self.cleaned_data.get("version")


class VersionForm(CleanInputMixin, forms.Form):
    """The version a page editing a set of rows (a formset alone) was opened with."""

    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, data=None, *, history=None):
        super().__init__(data, initial={"version": lambda: version_of(history)})

    @property
    def opened_version(self):
        return self.cleaned_data.get("version") if self.is_valid() else None


# ---------------------------------------------------------------------------------------------
# Three-way comparison


def _key(form_field, value):
    """A value as compared: equal when the page would show the same thing."""
    if isinstance(value, Model):
        value = value.pk
    if isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "model"):  # a queryset too
        return tuple(sorted(str(_key(form_field, v)) for v in value)) or None
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").strip()
        return value or None
    if isinstance(form_field, (forms.ChoiceField, forms.ModelChoiceField)) and value is not None:
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _submitted(form_field, raw):
    """A raw submitted value, as `_key` compares it. Choices compare by their raw value (no query
    for a row's id); other fields are read as the form reads them."""
    if isinstance(form_field, (forms.ChoiceField, forms.ModelChoiceField, forms.ModelMultipleChoiceField)):
        if isinstance(raw, (list, tuple)):
            return tuple(sorted(str(v) for v in raw if v not in ("", None))) or None
        return _key(form_field, raw)
    try:
        return _key(form_field, form_field.to_python(raw))
    except ValidationError:
        return _key(form_field, raw)


def _raw(form_field, value):
    """What a page showing `value` sends back: a string, or a list for several choices."""
    widget = form_field.hidden_widget()
    widget.is_localized = bool(form_field.localize)
    value = form_field.prepare_value(value)
    if isinstance(widget, forms.MultipleHiddenInput):
        return [str(v) for v in value or []]
    formatted = widget.format_value(value)
    return "" if formatted is None else str(formatted)


def page_data(*forms_or_formsets):
    """What a page showing these unbound forms (or formsets) sends back, as data: the raw value of
    each field, management forms included."""
    data = {}
    for form in forms_or_formsets:
        if hasattr(form, "management_form"):
            management = form.management_form
            data.update({management.add_prefix(name): str(value) for name, value in management.initial.items()})
            data.update(page_data(*form.forms))
        else:
            data.update({form.add_prefix(name): _raw(f, form[name].initial) for name, f in form.fields.items()})
    return data


def _set(data, key, value):
    if isinstance(value, list):
        data.setlist(key, value)
    else:
        data[key] = value


def shown(form_field, value):
    """A value as the user reads it: a choice's label, « Oui », a French date, « — » for nothing."""
    if value in (None, "", [], ()):
        return "—"
    if isinstance(value, (list, tuple)) or hasattr(value, "model"):
        return ", ".join(shown(form_field, v) for v in value) or "—"
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, Model):
        return str(value)
    if isinstance(form_field, forms.ModelChoiceField | forms.ModelMultipleChoiceField):
        return next((str(obj) for obj in form_field.queryset.filter(pk=value)), str(value))
    if isinstance(form_field, forms.ChoiceField):
        return str(dict((str(k), v) for k, v in form_field.choices).get(str(value), value))
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    if isinstance(value, float | Decimal):
        return f"{float(value):.15g}".replace(".", ",")
    return str(value)


@dataclass
class Clash:
    """A field both people changed: what this user typed, what the other saved."""

    label: str
    mine: str
    theirs: str


@dataclass
class Rebase:
    data: object  # the rebased QueryDict
    clashes: list = field(default_factory=list)
    taken: list = field(default_factory=list)  # labels of the fields taken from the stored row


def rebase_form(form, current, result):
    """Compare one form's fields (base, stored `current`, submitted) and rebase `result.data` on
    `current` (`REMOVED`: the row was deleted meanwhile), noting clashes and fields taken."""
    data = result.data
    has_base = form.add_initial_prefix(BASE_MARK) in form.data
    data[form.add_initial_prefix(BASE_MARK)] = "1"
    stored = None if current is REMOVED else form.initial_for(current)
    changed, first_base = [], None
    for name in form.merged_fields():
        form_field = form.fields[name]
        key, base_key = form.add_prefix(name), form.add_initial_prefix(name)
        raw = form_field.widget.value_from_datadict(form.data, form.files, key)
        mine = _submitted(form_field, raw)
        base = _submitted(form_field, form_field.hidden_widget().value_from_datadict(form.data, form.files, base_key))
        mine_changed = not has_base or mine != base
        first_base = base if first_base is None else first_base
        if mine_changed and mine is not None:
            changed.append(shown(form_field, _typed(form_field, raw)))
        if stored is None:
            continue
        value = stored.get(name, form_field.initial)
        current_key = _submitted(form_field, value) if isinstance(value, str) else _key(form_field, value)
        _set(data, base_key, _raw(form_field, value))
        if current_key == mine:
            continue
        if not mine_changed:
            _set(data, key, _raw(form_field, value))
            result.taken.append(form.label_of(name))
        elif not has_base or current_key != base:
            result.clashes.append(Clash(form.label_of(name), shown(form_field, _typed(form_field, raw)), shown(form_field, value)))
    if stored is None and changed:
        row = f"Ligne « {first_base} »" if first_base is not None else "Ligne"
        result.clashes.append(Clash(f"{row} supprimée entre-temps", " ; ".join(changed), "Supprimée : vos modifications "
                                    "de cette ligne ne seront pas enregistrées (ajoutez-la de nouveau au besoin)."))


def _typed(form_field, raw):
    try:
        return form_field.clean(raw)
    except ValidationError:
        return raw


class RemovedRowsMixin:
    """For a model formset: a row showing a stored row deleted meanwhile is left out, as if ticked
    « Supprimer », instead of failing on its unknown id (`check` tells a user who had changed it)."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.removed = self.is_bound and i < self.initial_form_count() and form.instance.pk is None
        return form

    def _should_delete_form(self, form):
        return getattr(form, "removed", False) or super()._should_delete_form(form)


def rows(formset):
    """The formset's rows that show stored rows, each with that row as stored now (`REMOVED` when
    it was deleted meanwhile), for `check`."""
    stored = formset.model._default_manager.in_bulk([f.instance.pk for f in formset.initial_forms if f.instance.pk])
    return [
        (form, stored.get(form.instance.pk, REMOVED))
        for form in formset.initial_forms if form.instance.pk or getattr(form, "removed", False)
    ]


# ---------------------------------------------------------------------------------------------
# The check and the conflict


class EditConflict(DomainError):
    """Someone saved what this page edits after it was opened. `data`: the page's data rebased on
    what is stored now; `clashes`: the fields both changed; `taken`: the fields only the other
    person changed, now showing their value; `authors`: who saved meanwhile."""

    def __init__(self, rebase, authors):
        self.data, self.clashes, self.taken, self.authors = rebase.data, rebase.clashes, rebase.taken, authors
        super().__init__(
            f"Pendant que vous faisiez vos modifications, {self.by} en a enregistré d'autres. Votre saisie est "
            "conservée ; vérifiez ce qui a été modifié des deux côtés, puis enregistrez à nouveau pour confirmer."
        )

    @property
    def by(self):
        return " et ".join(self.authors) if self.authors else "quelqu'un d'autre"

    @property
    def notice(self):
        """What the user is told after a save merged with the other person's (no clash)."""
        if not self.taken:
            return ""
        fields = ", ".join(f"« {label} »" for label in self.taken)
        return f"Modifié entre-temps par {self.by} : {fields}. Ces changements sont conservés avec les vôtres."


def check(history, opened_from, pairs):
    """Raise `EditConflict` when `history` (the history queryset of what the page saves, its row
    locked by the caller) has moved past the version the page was opened with, which
    `opened_from` carries (an `EditForm` or a `VersionForm`). `pairs`: each form of the page with
    the row it shows, as stored now (`REMOVED`: deleted meanwhile). A page that sent no version is not
    checked."""
    opened = opened_from.opened_version
    if opened is None:
        return
    version = version_of(history)
    if version == opened:
        return
    data = opened_from.data.copy()
    data[opened_from.add_prefix("version")] = str(version)
    result = Rebase(data)
    for form, current in pairs:
        rebase_form(form, current, result)
    raise EditConflict(result, authors_since(history, opened))


def save_rebasing(forms, save, build):
    """Save the page's valid `forms` with `save(*forms)`; when someone saved meanwhile, build the
    forms again from the rebased data (`build(data)`, a tuple) and, without clash, save them at
    once. Returns (saved, forms, conflict): `saved` is None when nothing was saved; `conflict` is
    the EditConflict met (to show with 409 when nothing was saved, its `notice` otherwise)."""
    try:
        return save(*forms), forms, None
    except EditConflict as conflict:
        forms = build(conflict.data)
        if conflict.clashes or not all(f.is_valid() for f in forms):
            return None, forms, conflict
        try:
            return save(*forms), forms, conflict
        except EditConflict as again:
            forms = build(again.data)
            for f in forms:
                f.is_valid()
            return None, forms, again
