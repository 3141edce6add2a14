from django.urls import path

from . import views

app_name = "portfolio"

urlpatterns = [
    path("", views.home, name="home"),
    path("portefeuille/renouvellements/", views.renewals, name="renewals"),
    path("conventions/<slug:slug>/", views.convention_home, name="convention_home"),
]
