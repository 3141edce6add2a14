from django.urls import path

from . import views

app_name = "conventions"

urlpatterns = [
    path("", views.convention_list, name="list"),
    path("<slug:slug>/", views.convention_detail, name="detail"),
    path("<slug:slug>/annexes/", views.annexes, name="annexes"),
    path("<slug:slug>/avenants/<int:number>/", views.avenant_detail, name="avenant"),
]
