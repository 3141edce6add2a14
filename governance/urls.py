from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("<slug:slug>/gouvernance/", views.governance, name="index"),
    path("<slug:slug>/gouvernance/instances/nouvelle/", views.body_create, name="body_create"),
    path("<slug:slug>/gouvernance/instances/<slug:key>/modifier/", views.body_edit, name="body_edit"),
    path("<slug:slug>/gouvernance/instances/<slug:key>/supprimer/", views.body_delete, name="body_delete"),
    path("<slug:slug>/gouvernance/seances/nouvelle/", views.meeting_create, name="meeting_create"),
    path("<slug:slug>/gouvernance/seances/<int:pk>/", views.meeting_detail, name="meeting"),
    path("<slug:slug>/gouvernance/seances/<int:pk>.ics", views.meeting_ics, name="meeting_ics"),
    path("<slug:slug>/gouvernance/seances/<int:pk>/preparer/", views.meeting_edit, name="meeting_edit"),
    path("<slug:slug>/gouvernance/seances/<int:pk>/compte-rendu/", views.meeting_minutes, name="meeting_minutes"),
    path("<slug:slug>/gouvernance/seances/<int:pk>/supprimer/", views.meeting_delete, name="meeting_delete"),
    path("<slug:slug>/gouvernance/charges-de-cooperation/", views.officers_edit, name="officers"),
    path("<slug:slug>/gouvernance/ligne/<slug:prefix>/", views.row, name="row"),
]
