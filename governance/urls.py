from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("<slug:slug>/gouvernance/", views.governance, name="index"),
]
