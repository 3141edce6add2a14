"""Helpers of the agenda tests: subscribing a user to their iCalendar feed."""

from django.urls import reverse

from governance.models import CalendarToken


def subscribe(client, user):
    client.force_login(user)
    client.post(reverse("agenda:reset"))
    client.logout()
    return CalendarToken.objects.get(user=user).token
