from django import forms
from django.core.validators import MaxLengthValidator

from .dates import FIRST_DAY, LAST_DAY, validate_date
from .text import LINE_TEXT, LONG_TEXT, multiline, one_line


class CleanInputMixin:
    """What every form of the application accepts, whatever its fields: dates within
    `ctg.dates` (the browser's picker is bounded too), text as `ctg.text` stores it (one line
    but in a text box, no control character) and no longer than its model field, or
    `ctg.text.LONG_TEXT` in a text box, `LINE_TEXT` otherwise. Every form class mixes it in first
    (tests/ctg/test_forms.py checks it); the administration's forms through `ctg.admin`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
                field.validators.append(validate_date)
                if isinstance(field.widget, DateInput):
                    field.widget.attrs.setdefault("min", FIRST_DAY.isoformat())
                    field.widget.attrs.setdefault("max", LAST_DAY.isoformat())
            elif isinstance(field, forms.CharField) and field.max_length is None:
                field.max_length = LONG_TEXT if isinstance(field.widget, forms.Textarea) else LINE_TEXT
                field.validators.append(MaxLengthValidator(field.max_length))

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            field = self.fields.get(name)
            if not isinstance(value, str) or not isinstance(field, forms.CharField):
                continue
            if isinstance(field.widget, forms.PasswordInput):  # a password is taken as typed
                continue
            # A text box keeps its line breaks (browsers send CRLF: LF is stored, so that an
            # unchanged text compares equal); any other field is one line (ctg.text).
            text = multiline(value) if isinstance(field.widget, forms.Textarea) else one_line(value)
            cleaned[name] = text.strip() if field.strip else text
            if value and not cleaned[name] and field.required:
                self.add_error(name, field.error_messages["required"])
        return cleaned


class CleanModelForm(CleanInputMixin, forms.ModelForm):
    """The administration's forms (`ctg.admin`)."""


# Markdown text areas get the preview button and the monospace font.
MARKDOWN = {"class": "markdown"}


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as AAAA-MM-JJ."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


def formset_total(data, prefix):
    """The number of rows a formset's management form announces (0 when it is missing or wrong)."""
    try:
        return max(int(data.get(f"{prefix}-TOTAL_FORMS", 0) or 0), 0)
    except ValueError:
        return 0


def with_added_rows(data, prefix, rows=None):
    """The submitted data with one more empty row (or the given `rows`) in formset `prefix`: how
    « ajouter une ligne » works without JavaScript (with htmx, the row comes alone)."""
    data = data.copy()
    total = formset_total(data, prefix)
    for offset, row in enumerate(rows or [{}]):
        for name, value in row.items():
            data[f"{prefix}-{total + offset}-{name}"] = "" if value is None else str(value)
    data[f"{prefix}-TOTAL_FORMS"] = str(total + len(rows or [{}]))
    return data


def with_swapped_rows(data, prefix, index, other):
    """The submitted data with rows `index` and `other` of formset `prefix` exchanged (every field,
    the row's id, « Supprimer » box and base values included): how « monter » and « descendre »
    work before a save, with or without JavaScript."""
    data = data.copy()
    total = formset_total(data, prefix)
    if not (0 <= index < total and 0 <= other < total) or index == other:
        return data
    for family in (prefix, f"initial-{prefix}"):  # the row's fields, and what the page showed (ctg.concurrency)
        first, second = f"{family}-{index}-", f"{family}-{other}-"
        names = {key[len(first):] for key in data if key.startswith(first)} | {
            key[len(second):] for key in data if key.startswith(second)
        }
        for name in names:
            a, b = first + name, second + name
            values_a = data.getlist(a) if a in data else None
            values_b = data.getlist(b) if b in data else None
            for key, values in ((a, values_b), (b, values_a)):
                if values is None:
                    data.pop(key, None)
                else:
                    data.setlist(key, values)
    return data
