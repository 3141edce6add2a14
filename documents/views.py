"""The download buttons of every PDF, and the progress page of a long one. Each object is fetched
through the user's conventions (404 outside their territory)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from actions.pdf import FichePdf
from conventions.pdf import AvenantPdf, ConventionPdf
from conventions.shortcuts import convention_context, get_avenant, get_convention
from ctg.shortcuts import requested_date
from evaluation.pdf import BilanPdf

from . import queue, storage
from .enums import DocumentStatus
from .responses import document_response, pdf_response


@require_GET
def convention_pdf(request, slug):
    """The full convention document as in force on the chosen date."""
    convention = get_convention(request, slug)
    on, _ = requested_date(request)
    return document_response(request, convention, ConventionPdf(on), convention)


@require_GET
def avenant_pdf(request, slug, number):
    """The avenant alone, laid out like the signed documents (a draft is marked « Projet »)."""
    convention, avenant = get_avenant(request, slug, number)
    return document_response(request, convention, AvenantPdf(), avenant)


@require_GET
def fiche_pdf(request, slug, key):
    """One fiche action as a short PDF a coordinator can send to a partner."""
    convention = get_convention(request, slug)
    return document_response(request, convention, FichePdf(), get_object_or_404(convention.fiches, key=key))


@require_GET
def bilan_pdf(request, slug, kind):
    """The bilan with its figures and charts, as presented to the COPIL."""
    convention = get_convention(request, slug)
    return document_response(request, convention, BilanPdf(), get_object_or_404(convention.bilans, kind=kind))


def progress(request, slug, pk):
    """The progress of a PDF being made; htmx polls its region until it is ready."""
    convention = get_convention(request, slug)
    generated = get_object_or_404(convention.documents, pk=pk)
    queue.nudge(generated)
    percent, seconds_left, phase = queue.progress(generated)
    context = convention_context(request, convention, "convention")
    context.update(
        document=generated, percent=percent, seconds_left=seconds_left, phase=phase,
        finished=generated.status == DocumentStatus.PRET or percent is None,
        duration=round((generated.finished_at - generated.started_at).total_seconds())
        if generated.status == DocumentStatus.PRET else None,
    )
    template = "documents/progress.html#progress" if request.htmx else "documents/progress.html"
    return render(request, template, context)


def download(request, slug, pk):
    convention = get_convention(request, slug)
    generated = get_object_or_404(convention.documents, pk=pk, status=DocumentStatus.PRET)
    if not storage.is_kept(generated.key):
        messages.error(request, "Ce document n'est plus conservé : demandez-le à nouveau.")
        return redirect(generated.back_url or convention.get_absolute_url())
    return pdf_response(generated.key, generated.filename)
