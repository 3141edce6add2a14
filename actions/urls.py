from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("<slug:slug>/plan/", views.plan, name="plan"),
    path("<slug:slug>/fiches/<slug:key>/", views.fiche_detail, name="fiche"),
]
