from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("personnes/", views.index, name="index"),
    path("personnes/<int:pk>/", views.organisation, name="organisation"),
    path("personnes/<int:pk>/inviter/", views.invite, name="invite"),
    path("personnes/invitations/<int:pk>/renvoyer/", views.invitation_resend, name="invitation_resend"),
    path("personnes/invitations/<int:pk>/revoquer/", views.invitation_revoke, name="invitation_revoke"),
    path("personnes/roles/<int:pk>/retirer/", views.withdraw, name="withdraw"),
    path("invitation/<str:token>/", views.accept, name="accept"),
    path("conventions/<slug:slug>/acces/", views.convention_access, name="convention_access"),
]
