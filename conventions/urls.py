from django.urls import path

from . import views

app_name = "conventions"

urlpatterns = [
    path("", views.convention_list, name="list"),
    path("<slug:slug>/", views.convention_detail, name="detail"),
]
