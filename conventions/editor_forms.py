"""Forms of « Nouvelle convention » and of the preparation editors.

Lists are formsets of *rows* (`RowsFormSet`): plain formsets whose forms carry the id of the row
they show, so that the rows can be added (`ctg.forms.with_added_rows`), moved
(`with_swapped_rows`) and deleted in any order before a save matches them back to the stored rows
(`editing.sync_rows`). A new row counts once one of its `significant` fields is filled; a blank
one is ignored. Select boxes take their choices from one query per page (`choices=`), not one per
row."""

import datetime
import re

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q

from ctg import concurrency
from ctg.concurrency import BaseInputs
from ctg.forms import MARKDOWN, CleanInputMixin, DateInput, with_added_rows

from .enums import OrganisationKind
from .models import (
    Article,
    Commune,
    Convention,
    Organisation,
    Signatory,
    Visa,
)

# The kinds a new signatory organisation may take.
COLLECTIVITE_KINDS = [OrganisationKind.COMMUNE, OrganisationKind.EPCI, OrganisationKind.DEPARTEMENT,
                      OrganisationKind.AUTRE]
INSEE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
THOUSANDS = re.compile(r"[\s\u00a0\u202f.]")


def model_choices(queryset, label=str, blank=None):
    return ([("", blank)] if blank is not None else []) + [(obj.pk, label(obj)) for obj in queryset]


# ---------------------------------------------------------------------------------------------
# Rows


class RowMixin(BaseInputs):
    """A form showing one row of a list. `significant`: the fields whose filling makes a new row count."""

    significant = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id"] = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def has_changed(self):
        if self["id"].value() not in (None, ""):
            return True
        return any(str(self[name].value() or "").strip() for name in self.significant)

    @classmethod
    def initial_of(cls, obj):
        """The initial values of a stored row: its fields (a related row by its id) and its id."""
        initial = {"id": obj.pk}
        for name in cls.base_fields:
            try:
                initial[name] = getattr(obj, obj._meta.get_field(name).attname)
            except FieldDoesNotExist:
                pass
        return initial

    def row(self):
        return {name: self.cleaned_data.get(name) for name in self.fields if name != "DELETE"}

    def initial_for(self, obj):
        return self.initial_of(obj)

    def label_of(self, name):
        """A field's label in a clash, after the row's first significant value as the page showed it."""
        label = super().label_of(name)
        shown = self.data.get(self.add_initial_prefix(self.significant[0])) if self.significant else None
        return f"« {shown} » — {label}" if shown else label


class RowsFormSet(forms.BaseFormSet):
    """The rows of one list of a page; `rows` (stored rows) fill an unbound formset, `choices`
    ({field: (queryset, choices)}) serve every row's select box; `required`: the message when no
    row is left."""

    def __init__(self, data=None, *, rows=(), initial=None, choices=None, required=None, **kwargs):
        self.choices = choices or {}
        self.required = required
        if data is None and initial is None:
            initial = [self.form.initial_of(row) for row in rows]
        super().__init__(data, initial=initial, **kwargs)

    def get_form_kwargs(self, index):
        return {"empty_permitted": True}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        for name, (queryset, choices) in self.choices.items():
            if queryset is None:  # a text field shown as a select box
                form.fields[name].widget.choices = choices
            else:
                form.fields[name].queryset = queryset
                form.fields[name].choices = choices
        return form

    def clean(self):
        super().clean()
        if self.required and not any(self.errors) and not self.kept:
            raise forms.ValidationError(self.required)

    @property
    def kept(self):
        """The rows to save, in order: filled and not marked for deletion."""
        return [form for form in self.forms if form.has_changed() and not self._should_delete_form(form)]

    def rows(self):
        return [form.row() for form in self.kept]

    def rebase(self, stored, result):
        """Rebase the submitted rows on the `stored` ones (`ctg.concurrency`): each row on its stored
        row by id; a row deleted meanwhile is ticked « Supprimer » (a clash if the user had changed
        it); the rows added meanwhile are appended."""
        by_id = {obj.pk: obj for obj in stored}
        for form in self.forms:
            pk = form["id"].value()
            if pk in (None, ""):
                continue  # a row the user added
            obj = by_id.pop(int(pk), None) if str(pk).isdigit() else None
            concurrency.rebase_form(form, obj or concurrency.REMOVED, result)
            if obj is None:
                result.data[form.add_prefix("DELETE")] = "on"
        if by_id:
            added = [self.form.initial_of(obj) for obj in by_id.values()]
            result.data = with_added_rows(result.data, self.prefix, added)
            result.taken.append(f"{len(added)} ligne{'s' if len(added) > 1 else ''} ajoutée{'s' if len(added) > 1 else ''}")


def rows_formset(form):
    return forms.formset_factory(form, formset=RowsFormSet, extra=0, can_delete=True)


# ---------------------------------------------------------------------------------------------
# Communes pasted as lines


def parse_population(text):
    text = THOUSANDS.sub("", text or "")
    if not text:
        return None
    if not text.isdecimal() or int(text) > 2_147_483_647:  # what an integer column holds
        raise ValueError
    return int(text)


def parse_commune_lines(text):
    """Communes pasted one per line, « code;nom;population » (a tab works as well; the
    population may be left out; a heading line is skipped): [(insee, name, population)]. Raises
    a ValidationError naming every bad line."""
    communes, errors, seen = [], [], {}
    lines = [(number, line.strip()) for number, line in enumerate((text or "").splitlines(), start=1) if line.strip()]
    for index, (number, line) in enumerate(lines):
        cells = [cell.strip() for cell in re.split(r"[;\t]", line)]
        if index == 0 and cells[0].lower() in ("code", "insee", "code insee", "code_insee"):
            continue
        where = f"Ligne {number} (« {line} ») : "
        if len(cells) < 2 or not cells[1]:
            errors.append(where + "indiquez le code INSEE puis le nom de la commune, séparés par « ; ».")
            continue
        if len(cells) > 3:
            errors.append(where + "trois valeurs au plus sont attendues, « code;nom;population ».")
            continue
        code, name = cells[0].upper(), cells[1]
        if not INSEE.match(code):
            errors.append(where + f"« {cells[0]} » n'est pas un code INSEE : 5 caractères, des chiffres (2A ou 2B en "
                                  "tête pour la Corse).")
            continue
        if len(name) > 150:
            errors.append(where + "le nom de la commune dépasse 150 caractères.")
            continue
        try:
            population = parse_population(cells[2] if len(cells) == 3 else "")
        except ValueError:
            errors.append(where + f"la population « {cells[2]} » n'est pas un nombre entier d'habitants.")
            continue
        if code in seen:
            errors.append(where + f"le code INSEE {code} figure déjà ligne {seen[code]}.")
            continue
        seen[code] = number
        communes.append((code, name, population))
    if errors:
        raise forms.ValidationError(errors)
    return communes


class CommuneLinesField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6, "class": "input--mono", "spellcheck": "false"})

    def clean(self, value):
        value = super().clean(value)
        return parse_commune_lines(value)


COMMUNE_LINES_HELP = (
    "Une commune par ligne : « code INSEE;nom;population », par exemple « 27005;Amfreville-Saint-Amand;1234 ». "
    "La population est facultative ; une colonne copiée depuis un tableur (tabulations) convient aussi."
)


# ---------------------------------------------------------------------------------------------
# Parties


class SignatoryForm(CleanInputMixin, RowMixin, forms.ModelForm):
    """A signatory: an organisation picked in the list, or a new one described here, and its representative."""

    new_name = forms.CharField(label="Nom", max_length=255, required=False,
                               help_text="Par exemple « Communauté de communes Roumois Seine ».")
    new_kind = forms.ChoiceField(label="Type", required=False,
                                 choices=[("", "—")] + [(k.value, k.label) for k in COLLECTIVITE_KINDS])
    new_code = forms.CharField(label="SIREN ou code", max_length=20, required=False,
                               help_text="SIREN (EPCI, département), code INSEE (commune).")
    new_population = forms.CharField(label="Population", required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"}))

    significant = ("organisation", "new_name", "representative")

    class Meta:
        model = Signatory
        fields = ["organisation", "representative", "capacity"]
        labels = {"organisation": "Organisation", "representative": "Représentant(e)", "capacity": "Qualité"}
        help_texts = {
            "representative": "Tel qu'il figure dans l'acte : « M. Sylvain BONENFANT ».",
            "capacity": "« Président », « Maire », « Directrice »… : la qualité de la signature.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].required = False
        self.fields["organisation"].empty_label = "Nouvelle organisation (à décrire ci-dessous)"

    def clean_new_code(self):
        return re.sub(r"\s", "", self.cleaned_data["new_code"]).upper()

    def clean_new_population(self):
        try:
            return parse_population(self.cleaned_data["new_population"])
        except ValueError:
            raise forms.ValidationError("Indiquez un nombre entier d'habitants.") from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("organisation"):
            if cleaned.get("new_name"):
                self.add_error("new_name", "Choisissez une organisation existante ou décrivez-en une nouvelle, pas les deux.")
            return cleaned
        if "organisation" in self.errors:
            return cleaned
        if not cleaned.get("new_name"):
            self.add_error("new_name", "Choisissez une organisation dans la liste ou indiquez le nom de la nouvelle.")
        if not cleaned.get("new_kind"):
            self.add_error("new_kind", "Indiquez le type de la nouvelle organisation.")
        code, kind = cleaned.get("new_code"), cleaned.get("new_kind")
        if not code:
            self.add_error("new_code", "Indiquez le SIREN ou le code de la nouvelle organisation.")
        elif kind == OrganisationKind.EPCI and not re.fullmatch(r"\d{9}", code):
            self.add_error("new_code", "Le SIREN d'un EPCI compte 9 chiffres.")
        elif kind and (existing := Organisation.objects.filter(kind=kind, code=code).first()):
            self.add_error("new_code", f"« {existing.name} » porte déjà ce code : choisissez-la dans la liste.")
        return cleaned

    def row(self):
        data = self.cleaned_data
        row = {"id": data.get("id"), "organisation": data.get("organisation"),
               "representative": data["representative"], "capacity": data["capacity"], "new_organisation": None}
        if row["organisation"] is None:
            row["new_organisation"] = {"name": data["new_name"], "kind": data["new_kind"], "code": data["new_code"],
                                       "population": data["new_population"]}
        return row


class SignatoryFormSet(RowsFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        new = {}
        for form in self.kept:
            data = form.cleaned_data
            if data.get("organisation") is None:
                identity = (data["new_kind"], data["new_code"])
                if identity in new and new[identity] != data["new_name"]:
                    form.add_error("new_code", f"Ce code est déjà celui de « {new[identity]} », plus haut.")
                new[identity] = data["new_name"]


SignatoryFormSet = forms.formset_factory(SignatoryForm, formset=SignatoryFormSet, extra=0, can_delete=True)


def party_choices(convention=None):
    """The organisations a signatory row may pick: the collectivités and partners known to the
    application, and the convention's own Caf."""
    queryset = Organisation.objects.exclude(kind=OrganisationKind.CAF)
    if convention is not None:
        queryset = Organisation.objects.filter(Q(pk=convention.caf_id) | ~Q(kind=OrganisationKind.CAF))
    queryset = queryset.order_by("name")
    return {"organisation": (queryset, model_choices(
        queryset, lambda o: f"{o.name} ({o.get_kind_display()}{f', {o.code}' if o.code else ''})",
        blank="Nouvelle organisation (à décrire ci-dessous)"))}


class RepresentativeForm(CleanInputMixin, RowMixin, forms.ModelForm):
    significant = ("representative",)

    class Meta:
        model = Signatory
        fields = ["representative", "capacity"]
        labels = {"representative": "Représentant(e)", "capacity": "Qualité"}
        help_texts = {"capacity": "« Président du conseil d'administration », « Directrice »…"}


RepresentativeFormSet = rows_formset(RepresentativeForm)


class CommuneForm(CleanInputMixin, RowMixin, forms.ModelForm):
    significant = ("insee", "name")

    class Meta:
        model = Commune
        fields = ["insee", "name", "population"]
        labels = {"insee": "Code INSEE", "name": "Nom", "population": "Population"}

    def clean_insee(self):
        return self.cleaned_data["insee"].upper()


class CommuneFormSet(RowsFormSet):
    def clean(self):
        super().clean()
        seen = {}
        for form in self.kept:
            code = form.cleaned_data.get("insee")
            if code in seen:
                form.add_error("insee", f"Le code INSEE {code} est déjà celui de {seen[code]}, plus haut.")
            elif code:
                seen[code] = form.cleaned_data.get("name")


CommuneFormSet = forms.formset_factory(CommuneForm, formset=CommuneFormSet, extra=0, can_delete=True)


class PasteCommunesForm(CleanInputMixin, forms.Form):
    lines = CommuneLinesField(label="Ajouter des communes", required=False, help_text=COMMUNE_LINES_HELP)


# ---------------------------------------------------------------------------------------------
# « Nouvelle convention »


class ConventionCreateForm(CleanInputMixin, forms.ModelForm):
    communes = CommuneLinesField(label="Communes couvertes", help_text=COMMUNE_LINES_HELP,
                                 error_messages={"required": "Indiquez au moins une commune couverte par la convention."})

    class Meta:
        model = Convention
        fields = ["title", "caf", "start", "end", "signed_at"]
        labels = {"title": "Titre", "caf": "Caf", "start": "Début", "end": "Fin", "signed_at": "Lieu de signature"}
        help_texts = {
            "title": "Par exemple « Convention territoriale globale de la Communauté de communes Roumois Seine 2027-2031 ».",
            "signed_at": "La commune où la convention sera signée : « Fait à … ».",
        }
        widgets = {"start": DateInput, "end": DateInput}

    def __init__(self, *args, cafs, **kwargs):
        super().__init__(*args, **kwargs)
        listed = list(cafs)
        self.fields["caf"].queryset = cafs
        self.fields["caf"].empty_label = None
        self.fields["caf"].error_messages["invalid_choice"] = "Vous ne créez une convention que pour votre Caf."
        self.single_caf = listed[0] if len(listed) == 1 else None
        if self.single_caf:
            self.fields["caf"].widget = forms.HiddenInput()
            self.initial.setdefault("caf", self.single_caf.pk)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", "La fin doit être postérieure au début.")
        return cleaned

    def _post_clean(self):
        # The model's own check (end after start) is the form's, at the field; the rest is the service's.
        pass

    @property
    def period_hint(self):
        return period_hint(self["start"].value(), self["end"].value())


def period_hint(start, end):
    """A non-blocking remark when the period is not the usual 4 to 5 years of a CTG."""
    try:
        start = start if isinstance(start, datetime.date) else datetime.date.fromisoformat(start)
        end = end if isinstance(end, datetime.date) else datetime.date.fromisoformat(end)
    except (TypeError, ValueError):
        return None
    years = (end - start).days / 365.25
    if end <= start or 3.9 <= years <= 5.1:
        return None
    return (f"La période couvre {years:.1f} ans".replace(".", ",")
            + " : une convention territoriale globale dure d'ordinaire 4 à 5 ans. Vous pouvez la garder.")


# ---------------------------------------------------------------------------------------------
# Texte de la convention


class EditedSectionForm(CleanInputMixin, forms.Form):
    """What every preparation page carries: the fingerprint of the section as it was opened."""

    fingerprint = forms.CharField(widget=forms.HiddenInput)
    opened_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)


class ConventionTextForm(BaseInputs, CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Convention
        fields = ["preamble", "signed_at", "signed_on"]
        labels = {"preamble": "Préambule", "signed_at": "Fait à", "signed_on": "Le"}
        help_texts = {
            "preamble": "Markdown : paragraphes séparés par une ligne vide, listes avec « - ».",
            "signed_at": "Lieu de signature, par exemple « Bourg-Achard ».",
            "signed_on": "Date de signature, quand elle est connue.",
        }
        widgets = {"preamble": forms.Textarea(attrs={"rows": 12, **MARKDOWN}), "signed_on": DateInput}


class VisaForm(CleanInputMixin, RowMixin, forms.ModelForm):
    significant = ("text",)

    class Meta:
        model = Visa
        fields = ["text"]
        labels = {"text": "Visa"}
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class ArticleForm(CleanInputMixin, RowMixin, forms.ModelForm):
    significant = ("title", "body")

    class Meta:
        model = Article
        fields = ["title", "body"]
        labels = {"title": "Titre de l'article", "body": "Texte"}
        widgets = {"body": forms.Textarea(attrs={"rows": 8, **MARKDOWN})}

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("title") and not cleaned.get("body"):
            self.add_error("title", "Donnez un titre ou un texte à l'article, ou cochez « Supprimer ».")
        return cleaned


VisaFormSet = rows_formset(VisaForm)
ArticleFormSet = rows_formset(ArticleForm)
