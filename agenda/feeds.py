"""The subscription feed: séances and jalons of several conventions in one calendar."""

from django.utils import timezone

from ctg.dates import in_range
from ctg.ical import new_calendar
from evaluation.ical import milestone_event
from governance.ical import meeting_event


def short_title(title):
    """« Convention territoriale globale de la CC Roumois Seine » → « CTG de la CC Roumois Seine »."""
    prefix = "convention territoriale globale"
    return "CTG" + title[len(prefix):] if title.lower().startswith(prefix) else title


def feed_calendar(name, meetings, milestones, *, base_url=""):
    """The subscription feed: every séance and jalon given, prefixed with their convention's title
    (but those dated out of `ctg.dates`' range, written by other means, which no calendar holds)."""
    calendar = new_calendar(name)
    stamp = timezone.now()
    for meeting in meetings:
        if not in_range(meeting.date):
            continue
        calendar.add_component(
            meeting_event(meeting, base_url=base_url, stamp=stamp, prefix=f"[{short_title(meeting.convention.title)}] ")
        )
    for milestone in milestones:
        if not in_range(milestone.end):
            continue
        calendar.add_component(
            milestone_event(milestone, base_url=base_url, stamp=stamp, prefix=f"[{short_title(milestone.convention.title)}] ")
        )
    return calendar.to_ical()
