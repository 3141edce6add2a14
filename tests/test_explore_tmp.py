import datetime

import pytest
from django.urls import reverse

from conventions.models import Avenant, Convention
from evaluation.models import Milestone
from governance.models import Meeting
from tests.agenda.helpers import subscribe
from tests.factories import (
    AvenantFactory,
    ConventionFactory,
    FicheFactory,
    MeetingFactory,
    MilestoneFactory,
    users_for,
)

pytestmark = pytest.mark.django_db

def test_explore(client):
    c = ConventionFactory()
    FicheFactory(axis__convention=c)
    m = MeetingFactory(body__convention=c)
    j = MilestoneFactory(convention=c)
    a = AvenantFactory(convention=c)
    Meeting.objects.filter(pk=m.pk).update(date=datetime.date(9999,12,31), time=datetime.time(23,30))
    Milestone.objects.filter(pk=j.pk).update(end=datetime.date(9999,12,31))
    Avenant.objects.filter(pk=a.pk).update(effective_until=datetime.date(9999,12,31))
    u = users_for(c)
    token = subscribe(client, u["coordinateur"])
    client.raise_request_exception = False
    r = client.get(reverse("agenda:feed", args=[token])); print("feed", r.status_code)
    client.force_login(u["coordinateur"])
    for url in [f"/conventions/{c.slug}/", f"/conventions/{c.slug}/suivi/", f"/conventions/{c.slug}/tableau-de-bord/",
                f"/conventions/{c.slug}/evaluation/", f"/conventions/{c.slug}/gouvernance/", f"/conventions/{c.slug}/gouvernance/calendrier/",
                f"/conventions/{c.slug}/gouvernance/calendrier/?vue=liste", f"/conventions/{c.slug}/gouvernance/seances/{m.pk}/",
                f"/conventions/{c.slug}/gouvernance/seances/{m.pk}.ics", f"/conventions/{c.slug}/plan/", "/conventions/",
                f"/conventions/{c.slug}/bilans/", f"/conventions/{c.slug}/renouveler/", f"/conventions/{c.slug}/suivi/9999-T4/", f"/conventions/{c.slug}/suivi/2200-T4/"]:
        try:
            import time; t=time.time()
            r = client.get(url, follow=True)
            print(url, r.status_code, round(time.time()-t,2), len(r.content))
        except Exception as e:
            print(url, "EXC", type(e), e)
    r = client.post(f"/conventions/{c.slug}/evaluation/generer/"); print("generer", r.status_code)
    Convention.objects.filter(pk=c.pk).update(end=datetime.date(9999,12,31))
    for url in [f"/conventions/{c.slug}/", f"/conventions/{c.slug}/suivi/", f"/conventions/{c.slug}/tableau-de-bord/", "/conventions/", f"/conventions/{c.slug}/evaluation/"]:
        import time; t=time.time(); r = client.get(url, follow=True); print("end9999", url, r.status_code, round(time.time()-t,2), len(r.content))
    r = client.post(f"/conventions/{c.slug}/evaluation/generer/"); print("generer", r.status_code)

def test_explore_date_param(client):
    c = ConventionFactory()
    FicheFactory(axis__convention=c)
    u = users_for(c)
    client.force_login(u["coordinateur"])
    client.raise_request_exception = False
    for d in ["9999-12-31", "0001-01-01"]:
        for url in [f"/conventions/{c.slug}/", f"/conventions/{c.slug}/tableau-de-bord/", f"/conventions/{c.slug}/plan/", f"/conventions/{c.slug}/evaluation/", f"/conventions/{c.slug}/gouvernance/", f"/conventions/{c.slug}/annexes/", f"/conventions/{c.slug}/bilans/", f"/conventions/{c.slug}/document.pdf"]:
            r = client.get(url + "?date=" + d, follow=True); print(d, url, r.status_code)
