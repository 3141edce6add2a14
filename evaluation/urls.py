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
]
