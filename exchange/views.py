"""« Reprendre une CTG depuis Word » (Caf staff): upload the .docx, check on a preview what was
recognised and place by hand what was not, then create the convention (`docx_import`). The file
waits between the two steps in the storage, under a random token (`keep_upload`)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from conventions.editor_views import user_cafs
from ctg.errors import DomainError
from ctg.pending import PendingUploads

from .docx_import import docx_import, import_plan, recognised_caf, recognition_report
from .docx_reader import read_docx
from .forms import SIGNED, DocxCreateForm, DocxUploadForm

PENDING_WORD = PendingUploads("reprise-word")


def _owner(request):
    return str(request.user.pk)


def _require_caf_staff(request):
    if not request.user.has_perm("ctg.create_convention"):
        raise PermissionDenied("Seuls les agents d'une Caf reprennent une convention depuis son document Word.")


def docx_upload(request):
    _require_caf_staff(request)
    form = DocxUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return redirect("exchange:docx_preview", token=PENDING_WORD.keep(form.data_bytes, _owner(request)))
    return render(request, "exchange/docx_upload.html", {"form": form})


def docx_preview(request, token):
    _require_caf_staff(request)
    data = PENDING_WORD.read(_owner(request), token)
    if data is None:
        raise Http404("Ce document n'est plus disponible : déposez-le à nouveau.")
    reading = read_docx(data)
    plan = import_plan(reading)
    cafs = user_cafs(request.user)
    form = DocxCreateForm(request.POST or None, reading=reading, plan=plan, cafs=cafs,
                          recognised_caf=recognised_caf(reading))
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        signed = cleaned["status"] == SIGNED
        try:
            result = docx_import(
                reading, by=request.user, caf=cleaned["caf"], slug=cleaned["slug"], title=cleaned["title"],
                start=cleaned["start"], end=cleaned["end"], signed=signed, signed_on=cleaned["signed_on"],
                assignments=form.assignments(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            PENDING_WORD.forget(_owner(request), token)
            convention = result.convention
            state = f"signée le {convention.signed_on:%d/%m/%Y}" if signed else "en préparation"
            messages.success(request, f"La convention « {convention.title} » est reprise depuis son document Word, "
                                      f"{state}.")
            return redirect(convention)
    report = [(heading, lines) for heading, lines in recognition_report(reading, plan) if heading != "Non reconnu"]
    return render(request, "exchange/docx_preview.html", {
        "form": form, "report": report, "reading": reading, "plan": plan, "submitted": request.method == "POST",
    })
