"""Schema types: each type checks one JSON value and returns it cleaned, or INVALID after
reporting the problem to the validator `v` (`v.error(path, message)`, `v.invalid(...)`)."""

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from ctg.dates import DATE_RANGE, FIRST_YEAR, LAST_YEAR, in_range
from ctg.text import LONG_TEXT, multiline, one_line

INVALID = object()


def join_path(path, key):
    return f"{path}.{key}" if path else key


class _Type:
    def default(self, v, path):
        """The cleaned value of an absent (or null) optional key."""
        return None


class Text(_Type):
    """A string, stored as `ctg.text` says: multi-line, or `single_line` (a CharField's), and
    never longer than a form takes it."""

    def __init__(self, max_length=LONG_TEXT, pattern=None, pattern_message=None, blank=True, single_line=False):
        self.max_length = max_length
        self.pattern = re.compile(pattern) if pattern else None
        self.pattern_message = pattern_message
        self.blank = blank
        self.single_line = single_line

    def default(self, v, path):
        return ""

    def clean(self, v, value, path):
        if not isinstance(value, str):
            return v.invalid(path, "chaîne de caractères attendue")
        value = one_line(value) if self.single_line else multiline(value)
        if not self.blank and not value.strip():
            return v.invalid(path, "texte vide")
        if self.max_length and len(value) > self.max_length:
            return v.invalid(path, f"texte trop long ({len(value)} caractères, au plus {self.max_length})")
        if self.pattern and not self.pattern.fullmatch(value):
            return v.invalid(path, self.pattern_message.format(value=value))
        return value


def Char(model, field, **kwargs):
    """A string on one line, bounded like the model's CharField."""
    return Text(max_length=model._meta.get_field(field).max_length, single_line=True, **kwargs)


def Key(model, field="key"):
    return Char(
        model, field, pattern=r"[a-z0-9-]+",
        pattern_message="identifiant invalide « {value} » (minuscules, chiffres et tirets uniquement)",
    )


INSEE = Text(
    pattern=r"[0-9][0-9AB][0-9]{3}", pattern_message="code INSEE invalide « {value} » (5 caractères)"
)
class PeriodType(Text):
    """A quarter `AAAA-Tn`, in the years `ctg.dates` accepts."""

    def __init__(self):
        super().__init__(
            pattern=r"[0-9]{4}-T[1-4]", pattern_message="période invalide « {value} » (format attendu AAAA-Tn, n de 1 à 4)"
        )

    def clean(self, v, value, path):
        text = super().clean(v, value, path)
        if text is not INVALID and not FIRST_YEAR <= int(text[:4]) <= LAST_YEAR:
            return v.invalid(path, f"période {_show(text)} hors limites (attendu : années {FIRST_YEAR} à {LAST_YEAR})")
        return text


PERIOD = PeriodType()


def _within(v, path, value, low, high):
    """Whether `value` lies within [low, high] (None: unbounded); reports it when not."""
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            bounds = f"supérieur ou égal à {low}"
        else:
            bounds = f"entre {low} et {high}" if low is not None else f"au plus {high}"
        v.error(path, f"valeur {value} hors limites (attendu : {bounds})")
        return False
    return True


class Int(_Type):
    def __init__(self, min=None, max=2_147_483_647):  # the range of an integer column
        self.min, self.max = min, max

    def clean(self, v, value, path):
        if not isinstance(value, int) or isinstance(value, bool):
            return v.invalid(path, "nombre entier attendu")
        return value if _within(v, path, value, self.min, self.max) else INVALID


class Number(_Type):
    """A JSON number for a FloatField."""

    def __init__(self, min=None):
        self.min = min

    def clean(self, v, value, path):
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            return v.invalid(path, "nombre attendu")
        return value if _within(v, path, value, self.min, None) else INVALID


class Amount(_Type):
    """A JSON number for a DecimalField: at most `places` decimals and `digits` digits."""

    def __init__(self, model, field, max=None):
        model_field = model._meta.get_field(field)
        self.places, self.digits, self.max = model_field.decimal_places, model_field.max_digits, max

    def clean(self, v, value, path):
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            return v.invalid(path, "nombre attendu")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return v.invalid(path, "nombre attendu")
        if not _within(v, path, value, 0, self.max):
            return INVALID
        if amount.as_tuple().exponent < -self.places:
            return v.invalid(path, f"au plus {self.places} décimales")
        if abs(amount) >= Decimal(10) ** (self.digits - self.places):
            return v.invalid(path, f"valeur {value} trop grande")
        return amount


class Bool(_Type):
    def default(self, v, path):
        return False

    def clean(self, v, value, path):
        if not isinstance(value, bool):
            return v.invalid(path, "booléen attendu (true ou false)")
        return value


class FlagOrInt(_Type):
    """`true`/`false`, or a number ≥ 1 that both says yes and names which (an avenant)."""

    def default(self, v, path):
        return False

    def clean(self, v, value, path):
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value if _within(v, path, value, 1, 2_147_483_647) else INVALID
        return v.invalid(path, "booléen ou numéro attendu")


class Email(Text):
    """An e-mail address (the check of Django's EmailField)."""

    def clean(self, v, value, path):
        value = super().clean(v, value, path)
        if value is INVALID or not value:
            return value
        try:
            validate_email(value)
        except ValidationError:
            return v.invalid(path, f"adresse électronique invalide {_show(value)}")
        return value


class NullableBool(Bool):
    def default(self, v, path):
        return None


class IsoType(_Type):
    """An ISO date or time string, parsed; `label` and `shape` make the French message."""

    def __init__(self, pattern, parse, label, shape):
        self.pattern, self.parse, self.label, self.shape = pattern, parse, label, shape

    def clean(self, v, value, path):
        if isinstance(value, str) and re.fullmatch(self.pattern, value):
            try:
                return self.parse(value)
            except ValueError:
                pass
        return v.invalid(path, f"{self.label} invalide {_show(value)} (format attendu {self.shape})")


class DateType(IsoType):
    """An ISO date within the application's range (`ctg.dates`)."""

    def __init__(self):
        super().__init__(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date.fromisoformat, "date", "AAAA-MM-JJ")

    def clean(self, v, value, path):
        day = super().clean(v, value, path)
        if day is not INVALID and not in_range(day):
            return v.invalid(path, f"date {_show(value)} hors limites (attendu : {DATE_RANGE})")
        return day


def TimeType():
    return IsoType(r"[0-9]{2}:[0-9]{2}", time.fromisoformat, "heure", "HH:MM")


def _aware(value):
    """An ISO date-time; one without its offset is read in the server's time zone (Europe/Paris)."""
    moment = datetime.fromisoformat(value)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def DateTimeType():
    return IsoType(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?",
        _aware, "date et heure", "AAAA-MM-JJTHH:MM:SS+01:00",
    )


class Choice(_Type):
    """A slug of a vocabulary; `unknown` is the French message, e.g. "thématique inconnue"."""

    def __init__(self, choices, unknown):
        self.values = list(choices.values) if hasattr(choices, "values") else list(choices)
        self.unknown = unknown

    def default(self, v, path):
        return ""

    def clean(self, v, value, path):
        if isinstance(value, str) and value in self.values:
            return value
        return v.invalid(path, f"{self.unknown} {_show(value)}")


class Const(_Type):
    def __init__(self, expected, message):
        self.expected, self.message = expected, message

    def clean(self, v, value, path):
        if type(value) is type(self.expected) and value == self.expected:
            return value
        return v.invalid(path, self.message.format(value=_show(value), expected=_show(self.expected)))


class ListOf(_Type):
    def __init__(self, item, min_items=0, too_few=None, unique=False):
        self.item, self.min_items, self.too_few, self.unique = item, min_items, too_few, unique

    def default(self, v, path):
        return []

    def clean(self, v, value, path):
        if not isinstance(value, list):
            return v.invalid(path, "liste attendue")
        if len(value) < self.min_items:
            return v.invalid(path, self.too_few)
        cleaned, seen = [], set()
        for index, raw in enumerate(value):
            item_path = f"{path}[{index}]"
            if raw is None:
                v.error(item_path, "valeur null interdite dans une liste")
                continue
            item = self.item.clean(v, raw, item_path)
            if item is INVALID:
                continue
            if self.unique:
                if item in seen:
                    v.error(item_path, f"{_show(item)} figure deux fois dans la liste")
                    continue
                seen.add(item)
            cleaned.append(item)
        return cleaned


class MapOf(_Type):
    def __init__(self, value):
        self.value = value

    def default(self, v, path):
        return {}

    def clean(self, v, value, path):
        if not isinstance(value, dict):
            return v.invalid(path, "objet attendu")
        cleaned = {}
        for key, raw in value.items():
            item = self.value.clean(v, raw, join_path(path, key)) if raw is not None else v.invalid(
                join_path(path, key), "valeur obligatoire (null interdit)"
            )
            if item is not INVALID:
                cleaned[key] = item
        return cleaned


@dataclass(frozen=True)
class Field:
    type: _Type
    required: bool
    added: bool = False  # a version 1 addition: exported only when it has something to say


def req(type_):
    return Field(type_, True)


def opt(type_):
    return Field(type_, False)


def addition(type_):
    """An optional key of the version 1 additions: files without it still import, and an export
    writes it only when it is not null, so that earlier readers keep reading the export."""
    return Field(type_, False, added=True)


class Obj(_Type):
    """A JSON object with known keys; unknown keys are errors. The cleaned dict holds every
    declared key whose value is valid (absent optional keys get their default) and `_path`."""

    def __init__(self, fields, empty_when_absent=False):
        self.fields = fields
        self.empty_when_absent = empty_when_absent

    def default(self, v, path):
        return self.clean(v, {}, path) if self.empty_when_absent else None

    def clean(self, v, value, path):
        if not isinstance(value, dict):
            return v.invalid(path, "objet attendu")
        for key in value:
            if key not in self.fields:
                v.error(join_path(path, key), "clé inconnue")
        cleaned = {"_path": path}
        for key, field in self.fields.items():
            sub = join_path(path, key)
            raw = value.get(key)
            if raw is None or (field.required and raw == ""):
                if not field.required:
                    cleaned[key] = field.type.default(v, sub)
                elif key not in value:
                    v.error(sub, "clé obligatoire manquante")
                else:
                    v.error(sub, "valeur obligatoire")
                continue
            result = field.type.clean(v, raw, sub)
            if result is not INVALID:
                cleaned[key] = result
        return cleaned


class TextOrObj(_Type):
    """A text, or an object whose `text` key is that text plus more (an agenda item with its
    links): either way the cleaned value is the object, its other keys at their defaults."""

    def __init__(self, obj):
        self.obj = obj

    def clean(self, v, value, path):
        if isinstance(value, str):
            text = self.obj.fields["text"].type.clean(v, value, path)
            if text is INVALID:
                return INVALID
            others = {key: field.type.default(v, join_path(path, key)) for key, field in self.obj.fields.items()}
            return {**others, "_path": path, "text": text}
        if not isinstance(value, dict):
            return v.invalid(path, "chaîne de caractères ou objet attendu")
        return self.obj.clean(v, value, path)


class Tagged(_Type):
    """An object whose shape depends on its `tag` key (avenant operations)."""

    def __init__(self, tag, variants, unknown):
        self.tag, self.variants, self.unknown = tag, variants, unknown

    def clean(self, v, value, path):
        if not isinstance(value, dict):
            return v.invalid(path, "objet attendu")
        kind = value.get(self.tag)
        if kind is None:
            return v.invalid(join_path(path, self.tag), "clé obligatoire manquante")
        if not isinstance(kind, str) or kind not in self.variants:
            return v.invalid(join_path(path, self.tag), f"{self.unknown} {_show(kind)}")
        fields = {self.tag: req(Const(kind, ""))} | self.variants[kind]
        return Obj(fields).clean(v, value, path)


def _show(value):
    if isinstance(value, str):
        return f"« {value} »"
    return json.dumps(value, ensure_ascii=False)[:60]
