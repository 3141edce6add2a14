"""Mounted under /conventions/: the PDF and Word addresses sit beside the pages they come from."""

from django.urls import path

from . import views, word_views

app_name = "documents"

urlpatterns = [
    path("<slug:slug>/document.pdf", views.convention_pdf, name="convention_pdf"),
    path("<slug:slug>/avenants/<int:number>/avenant.pdf", views.avenant_pdf, name="avenant_pdf"),
    path("<slug:slug>/fiches/<slug:key>/fiche.pdf", views.fiche_pdf, name="fiche_pdf"),
    path("<slug:slug>/bilans/<slug:kind>/bilan.pdf", views.bilan_pdf, name="bilan_pdf"),
    path("<slug:slug>/document.docx", word_views.convention_docx, name="convention_docx"),
    path("<slug:slug>/avenants/<int:number>/avenant.docx", word_views.avenant_docx, name="avenant_docx"),
    path("<slug:slug>/fiches/<slug:key>/fiche.docx", word_views.fiche_docx, name="fiche_docx"),
    path("<slug:slug>/gouvernance/seances/<int:pk>/ordre-du-jour.docx", word_views.meeting_docx,
         {"kind": "ordre-du-jour"}, name="meeting_agenda_docx"),
    path("<slug:slug>/gouvernance/seances/<int:pk>/compte-rendu.docx", word_views.meeting_docx,
         {"kind": "compte-rendu"}, name="meeting_minutes_docx"),
    path("<slug:slug>/documents/<int:pk>/", views.progress, name="progress"),
    path("<slug:slug>/documents/<int:pk>/telecharger/", views.download, name="download"),
]
