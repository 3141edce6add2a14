from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("<slug:slug>/plan/", views.plan, name="plan"),
    path("<slug:slug>/plan/structure/", views.structure, name="structure"),
    path("<slug:slug>/plan/modele.xlsx", views.plan_template, name="plan_template"),
    path("<slug:slug>/plan/export.xlsx", views.plan_export, name="plan_export"),
    path("<slug:slug>/plan/import/", views.plan_import, name="plan_import"),
    path("<slug:slug>/plan/import/<str:token>/", views.plan_import_confirm, name="plan_import_confirm"),
    path("<slug:slug>/plan/axes/nouveau/", views.axis_create, name="axis_create"),
    path("<slug:slug>/plan/axes/<int:number>/", views.axis_edit, name="axis_edit"),
    path("<slug:slug>/plan/axes/<int:number>/deplacer/", views.axis_move, name="axis_move"),
    path("<slug:slug>/plan/axes/<int:number>/supprimer/", views.axis_delete, name="axis_delete"),
    path("<slug:slug>/plan/axes/<int:number>/objectifs/nouveau/", views.objective_create, name="objective_create"),
    path("<slug:slug>/plan/objectifs/<int:pk>/", views.objective_edit, name="objective_edit"),
    path("<slug:slug>/plan/objectifs/<int:pk>/supprimer/", views.objective_delete, name="objective_delete"),
    path("<slug:slug>/fiches/nouvelle/", views.fiche_create, name="fiche_create"),
    path("<slug:slug>/fiches/ligne-indicateur/", views.indicator_row, name="indicator_row"),
    path("<slug:slug>/apercu/", views.markdown_preview, name="markdown_preview"),
    path("<slug:slug>/fiches/<slug:key>/", views.fiche_detail, name="fiche"),
    path("<slug:slug>/fiches/<slug:key>/modifier/", views.fiche_edit, name="fiche_edit"),
    path("<slug:slug>/fiches/<slug:key>/deplacer/", views.fiche_move, name="fiche_move"),
    path("<slug:slug>/suivi/", views.tracking, name="tracking"),
    path("<slug:slug>/suivi/<str:period>/", views.tracking_period, name="tracking_period"),
    path("<slug:slug>/suivi/<str:period>/export.xlsx", views.tracking_export, name="tracking_export"),
    path("<slug:slug>/suivi/<str:period>/import/", views.tracking_import, name="tracking_import"),
    path("<slug:slug>/suivi/<str:period>/reprendre/", views.tracking_copy, name="tracking_copy"),
    path("<slug:slug>/suivi/<str:period>/<slug:key>/", views.tracking_row, name="tracking_row"),
]
