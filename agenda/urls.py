"""The calendar, mounted at the site's root: each convention's calendar beside its governance
pages, and the per-user subscription outside any convention at /agenda/."""

from django.urls import path

from . import views

app_name = "agenda"

urlpatterns = [
    path("conventions/<slug:slug>/gouvernance/calendrier/", views.calendar_view, name="calendar"),
    path("agenda/", views.subscription, name="subscription"),
    path("agenda/calendrier/", views.overview, name="overview"),
    path("agenda/nouvelle-adresse/", views.subscription_reset, name="reset"),
    path("agenda/<str:token>.ics", views.feed, name="feed"),
]
