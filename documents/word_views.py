"""The « Télécharger en Word » buttons: the convention as in force on a date, an avenant, a fiche,
a séance's ordre du jour and compte-rendu. Made in the request (writing Word is quick: no layout),
each object fetched through the user's conventions (404 outside their territory)."""

from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from actions.word import FicheWord
from conventions.shortcuts import get_avenant, get_convention
from conventions.word import AvenantWord, ConventionWord
from ctg.responses import file_response
from ctg.shortcuts import requested_date
from governance.documents import MeetingAgendaWord, MeetingMinutesWord


def word_response(document, obj):
    filename, mimetype, content = document.generate(obj)
    return file_response(content, filename, mimetype)


@require_GET
def convention_docx(request, slug):
    convention = get_convention(request, slug)
    on, _ = requested_date(request)
    return word_response(ConventionWord(on), convention)


@require_GET
def avenant_docx(request, slug, number):
    _, avenant = get_avenant(request, slug, number)
    return word_response(AvenantWord(), avenant)


@require_GET
def fiche_docx(request, slug, key):
    convention = get_convention(request, slug)
    return word_response(FicheWord(), get_object_or_404(convention.fiches, key=key))


@require_GET
def meeting_docx(request, slug, pk, kind):
    convention = get_convention(request, slug)
    document = {"ordre-du-jour": MeetingAgendaWord, "compte-rendu": MeetingMinutesWord}[kind]()
    return word_response(document, get_object_or_404(convention.meetings, pk=pk))
