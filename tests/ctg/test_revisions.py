"""Revision stamps (ctg/revisions.py): every write beneath a convention, whatever makes it, gives
that convention a new token, and no other convention's; the rows every page shows stamp root 0."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from actions.models import Fiche, Update
from conventions.enums import Role
from ctg import revisions
from ctg.models import Revision
from tests.factories import (
    BodyFactory,
    ConventionFactory,
    FicheFactory,
    IndicatorFactory,
    MeetingFactory,
    UpdateFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def token(root_id):
    return Revision.objects.filter(root_id=root_id).values_list("token", flat=True).first()


class Stamps:
    """Tokens of the watched conventions before a write, to compare with after it."""

    def __init__(self, *conventions):
        self.roots = [c.pk for c in conventions] + [revisions.SHARED]
        self.before = {root: token(root) for root in self.roots}

    def changed(self):
        return {root for root in self.roots if token(root) != self.before[root]}


@pytest.fixture
def two():
    first, other = ConventionFactory(), ConventionFactory()
    return first, other, FicheFactory(convention=first, axis__convention=first), FicheFactory(
        convention=other, axis__convention=other)


def test_every_stamped_table_leads_to_a_convention_or_is_declared():
    revisions.check_plan()


def test_a_new_table_that_leads_nowhere_fails_the_check(settings):
    settings.REVISION_UNLINKED = [m for m in settings.REVISION_UNLINKED if m != "governance.Reminder"]
    with pytest.raises(ImproperlyConfigured, match="governance.Reminder"):
        revisions.check_plan()


def test_a_new_convention_gets_its_token():
    convention = ConventionFactory()
    assert token(convention.pk) and len(token(convention.pk)) == 32


def test_saving_a_row_stamps_its_own_convention_only(two):
    first, other, fiche, _ = two
    stamps = Stamps(first, other)
    UpdateFactory(fiche=fiche)
    assert stamps.changed() == {first.pk}


@pytest.mark.parametrize("write", [
    "queryset_update", "bulk_create", "bulk_create_ignoring_conflicts", "delete", "many_to_many", "two_levels_down",
])
def test_bulk_and_indirect_writes_stamp_too(two, write):
    first, other, fiche, _ = two
    update = UpdateFactory(fiche=fiche)
    meeting = MeetingFactory(convention=first, body=BodyFactory(convention=first))
    indicator = IndicatorFactory(fiche=fiche)
    stamps = Stamps(first, other)
    if write == "queryset_update":
        Fiche.objects.filter(pk=fiche.pk).update(title="Nouveau titre")
    elif write == "bulk_create":
        Update.objects.bulk_create([Update(fiche=fiche, period="2025-T1", status="en_cours", updated_on=timezone.localdate())])
    elif write == "bulk_create_ignoring_conflicts":
        # SQLite runs the trigger's statements under the firing statement's INSERT OR IGNORE.
        Update.objects.bulk_create([Update(fiche=fiche, period="2025-T2", status="en_cours",
                                           updated_on=timezone.localdate())], ignore_conflicts=True)
    elif write == "delete":
        Update.objects.filter(pk=update.pk).delete()
    elif write == "many_to_many":
        meeting.fiches.add(fiche)
    elif write == "two_levels_down":
        update.indicator_values.create(indicator=indicator, value=12)
    assert stamps.changed() == {first.pk}


def test_each_write_gives_a_token_never_seen(two):
    first, _, fiche, _ = two
    seen = {token(first.pk)}
    for title in ("Un", "Deux", "Trois"):
        Fiche.objects.filter(pk=fiche.pk).update(title=title)
        seen.add(token(first.pk))
    assert len(seen) == 4


def test_a_fiche_renewed_from_another_convention_stamps_that_one_too(two):
    first, other, fiche, _ = two
    stamps = Stamps(first, other)
    FicheFactory(convention=other, axis__convention=other, renewed_from=fiche)
    assert stamps.changed() == {first.pk, other.pk}


def test_names_shown_everywhere_stamp_the_shared_root_but_a_login_does_not(two):
    first, other, *_ = two
    user = user_with_role(Role.CAF, first.caf)
    stamps = Stamps(first, other)
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    assert stamps.changed() == set()
    user.last_name = "Martin"
    user.save()
    assert stamps.changed() == {revisions.SHARED}
    stamps = Stamps(first, other)
    first.caf.save()  # saved as it was (an import that finds it again): no stamp, no lock
    assert stamps.changed() == set()
    first.caf.name = "Caf de l'Eure (nouveau nom)"
    first.caf.save()
    assert stamps.changed() == {revisions.SHARED}


def test_installing_again_keeps_one_trigger_each(two):
    first, other, fiche, _ = two
    revisions.install(connection)
    revisions.install(connection)
    stamps = Stamps(first, other)
    UpdateFactory(fiche=fiche)
    assert stamps.changed() == {first.pk}
