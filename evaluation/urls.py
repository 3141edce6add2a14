from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("<slug:slug>/evaluation/", views.milestones, name="milestones"),
]
