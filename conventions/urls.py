from django.urls import path

from . import editor_views, views

app_name = "conventions"

urlpatterns = [
    path("", views.convention_list, name="list"),
    path("nouvelle/", editor_views.convention_create, name="create"),
    # The convention's home (`/conventions/<slug>/`) is the portfolio's; its legal text is here.
    path("<slug:slug>/texte/", views.convention_detail, name="detail"),
    path("<slug:slug>/annexes/", views.annexes, name="annexes"),
    path("<slug:slug>/journal/", views.journal, name="journal"),
    path("<slug:slug>/signer/", views.signature, name="signature"),
    path("<slug:slug>/signer/validation-caf/", views.caf_validation, name="caf_validation"),
    path("<slug:slug>/prefecture/", views.prefecture_stamp, name="prefecture_stamp"),
    path("<slug:slug>/statut/<slug:action>/", views.status_change, name="status_change"),
    path("<slug:slug>/original-signe/", views.original_upload, name="original"),
    path("<slug:slug>/originaux/<int:pk>.pdf", views.original_download, name="original_download"),
    path("<slug:slug>/avenants/proposer/<slug:key>/", views.fiche_propose, name="fiche_propose"),
    path("<slug:slug>/avenants/proposer/<slug:part>/<str:number>/", views.text_propose, name="text_propose"),
    path("<slug:slug>/preparer/<slug:part>/", editor_views.prepare, name="prepare"),
    path("<slug:slug>/avenants/nouveau/", views.avenant_create, name="avenant_create"),
    path("<slug:slug>/avenants/<int:number>/", views.avenant_detail, name="avenant"),
    path("<slug:slug>/avenants/<int:number>/modifier/", views.avenant_edit, name="avenant_edit"),
    path("<slug:slug>/avenants/<int:number>/signer/", views.avenant_sign, name="avenant_sign"),
    path("<slug:slug>/avenants/<int:number>/original-signe/", views.original_upload, name="avenant_original"),
    path("<slug:slug>/avenants/<int:number>/article-1/", views.avenant_object_article, name="avenant_object_article"),
    path("<slug:slug>/avenants/<int:number>/operations/<slug:kind>/", views.operation_add, name="operation_add"),
    path("<slug:slug>/avenants/<int:number>/operations/<int:pk>/retirer/", views.operation_delete, name="operation_delete"),
    path("<slug:slug>/avenants/<int:number>/operations/<int:pk>/deplacer/", views.operation_move, name="operation_move"),
]
