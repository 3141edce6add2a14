"""The per-user calendar subscription, outside any convention: mounted at /agenda/."""

from django.urls import path

from . import views

app_name = "agenda"

urlpatterns = [
    path("", views.subscription, name="subscription"),
    path("nouvelle-adresse/", views.subscription_reset, name="reset"),
    path("<str:token>.ics", views.feed, name="feed"),
]
