"""Mounted under /conventions/: the PDF addresses sit beside the pages they come from."""

from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("<slug:slug>/document.pdf", views.convention_pdf, name="convention_pdf"),
    path("<slug:slug>/avenants/<int:number>/avenant.pdf", views.avenant_pdf, name="avenant_pdf"),
    path("<slug:slug>/fiches/<slug:key>/fiche.pdf", views.fiche_pdf, name="fiche_pdf"),
    path("<slug:slug>/bilans/<slug:kind>/bilan.pdf", views.bilan_pdf, name="bilan_pdf"),
    path("<slug:slug>/documents/<int:pk>/", views.progress, name="progress"),
    path("<slug:slug>/documents/<int:pk>/telecharger/", views.download, name="download"),
]
