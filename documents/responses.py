"""What a download button answers: the kept PDF at once; a short document laid out now; a long one
queued (`documents.queue`) while the user follows its progress page."""

import logging

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from ctg.pdf import render_pdf

from . import queue, storage
from .models import GeneratedDocument

logger = logging.getLogger(__name__)


def pdf_response(key, filename):
    return FileResponse(storage.open_kept(key), as_attachment=True, filename=filename, content_type="application/pdf")


def document_response(request, convention, document, obj):
    """The PDF of `document` (a `ctg.pdf.PdfDocument`) for `obj`, which belongs to `convention`."""
    html, title, filename = document.html(obj), document.title(obj), document.filename(obj)
    key = storage.document_key(html)
    if storage.is_kept(key):
        return pdf_response(key, filename)
    referer = request.headers.get("referer", "")
    if len(referer) > 500 or not url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        referer = ""
    back = referer or convention.get_absolute_url()
    if queue.estimated_seconds(len(html.encode())) <= queue.INLINE_MAX_SECONDS:
        try:
            storage.keep(key, render_pdf(html))
        except Exception:
            logger.exception("Document « %s » of %s could not be rendered", title, convention.slug)
            messages.error(request, f"{title} : le document n'a pas pu être produit. Réessayez ; si l'erreur "
                                    "persiste, signalez-la à l'administrateur.")
            return redirect(back)
        return pdf_response(key, filename)
    same = GeneratedDocument.objects.alive().filter(convention=convention, key=key).first()
    if same:
        return redirect(same)
    if GeneratedDocument.objects.alive().filter(requested_by=request.user).count() >= queue.MAX_PER_USER:
        messages.error(request, f"Vous avez déjà {queue.MAX_PER_USER} documents en préparation : attendez qu'ils "
                                "soient prêts avant d'en demander un autre.")
        return redirect(back)
    return redirect(queue.document_request(convention, title, filename, html, by=request.user, back_url=referer))
