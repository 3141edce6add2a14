from django.urls import path

from . import views

app_name = "actions"

urlpatterns = [
    path("<slug:slug>/fiches/<slug:key>/", views.fiche_detail, name="fiche"),
]
