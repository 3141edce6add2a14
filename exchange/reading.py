"""Reading a JSON document (a file or a text) with French error messages.

`ExchangeError` is the one error of the exchange format: a file that cannot be read here, or a
document the importer refuses.
"""

import itertools
import json
import re
from pathlib import Path

# The format nests about ten levels (convention, avenants, operations, fiche, updates, values):
# a deeper document is refused before parsing, which would otherwise recurse once per level.
MAX_DEPTH = 100
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_LEVEL = {"[": 1, "{": 1, "]": -1, "}": -1}


class ExchangeError(Exception):
    """A document that cannot be imported (or a file that cannot be read): `errors` lists every
    problem as `json.path: message en français`."""

    def __init__(self, errors):
        self.errors = list(errors) if isinstance(errors, list | tuple) else [errors]
        super().__init__("\n".join(self.errors))


_JSON_MESSAGES = {
    "Expecting value": "valeur attendue",
    "Expecting ',' delimiter": "virgule attendue",
    "Expecting ':' delimiter": "deux-points attendus",
    "Expecting property name enclosed in double quotes": "nom de clé entre guillemets doubles attendu",
    "Unterminated string starting at": "chaîne non terminée",
    "Invalid control character at": "caractère de contrôle interdit",
    "Invalid \\escape": "séquence d'échappement invalide",
    "Invalid \\uXXXX escape": "séquence \\uXXXX invalide",
    "Extra data": "données en trop après la fin du document",
}


def _reject_constant(name):
    raise ValueError(f"valeur « {name} » interdite en JSON")


def _pairs_without_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"clé « {key} » en double dans un même objet")
        result[key] = value
    return result


def _depth(text):
    """How deep the brackets of a JSON text nest (those inside strings do not count)."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    return max(itertools.accumulate(map(_LEVEL.__getitem__, brackets)), default=0)


def load_json(path_or_text):
    """Parse a JSON document given as a path (`Path`, or a string naming a file) or as JSON text
    (a string starting with `{` or `[`).

    Any problem (missing file, bad encoding, bad JSON) becomes an `ExchangeError` in French.
    """
    if isinstance(path_or_text, Path) or not path_or_text.lstrip().startswith(("{", "[")):
        path = Path(path_or_text)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise ExchangeError(f"Fichier introuvable : {path}") from None
        except UnicodeDecodeError as error:
            raise ExchangeError(
                f"Le fichier {path} n'est pas encodé en UTF-8 (octet {error.start})."
            ) from None
        except OSError as error:
            raise ExchangeError(f"Lecture impossible de {path} : {error.strerror}") from None
    else:
        text = path_or_text
    if _depth(text) > MAX_DEPTH:
        raise ExchangeError(f"JSON invalide : plus de {MAX_DEPTH} niveaux d'objets et de listes imbriqués")
    try:
        return json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_pairs_without_duplicates
        )
    except json.JSONDecodeError as error:
        message = _JSON_MESSAGES.get(error.msg, error.msg)
        raise ExchangeError(
            f"JSON invalide : {message} (ligne {error.lineno}, colonne {error.colno})"
        ) from None
    except ValueError as error:
        raise ExchangeError(f"JSON invalide : {error}") from None
