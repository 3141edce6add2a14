from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("<slug:slug>/evaluation/", views.milestones, name="milestones"),
    path("<slug:slug>/evaluation/generer/", views.milestones_generate, name="generate"),
    path("<slug:slug>/evaluation/nouveau/", views.milestone_create, name="milestone_create"),
    path("<slug:slug>/evaluation/<int:pk>/modifier/", views.milestone_edit, name="milestone_edit"),
    path("<slug:slug>/evaluation/<int:pk>/fait/", views.milestone_done, name="milestone_done"),
    path("<slug:slug>/evaluation/<int:pk>/supprimer/", views.milestone_delete, name="milestone_delete"),
    path("<slug:slug>/renouveler/", views.renewal_prepare, name="renewal"),
    path("<slug:slug>/tableau-de-bord/", views.dashboard, name="dashboard"),
    path("<slug:slug>/bilans/", views.bilans, name="bilans"),
    path("<slug:slug>/bilans/<slug:kind>/", views.bilan_detail, name="bilan"),
    path("<slug:slug>/bilans/<slug:kind>/ouvrir/", views.bilan_create, name="bilan_create"),
    path("<slug:slug>/bilans/<slug:kind>/modifier/", views.bilan_edit, name="bilan_edit"),
    path("<slug:slug>/bilans/<slug:kind>/export.xlsx", views.bilan_export, name="bilan_export"),
]
