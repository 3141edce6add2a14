"""Milestones in the admin: the « mark done » action."""

import pytest

from evaluation.enums import MilestoneStatus
from evaluation.models import Milestone
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db


def test_mark_milestones_done_action(staff_client, superuser, full_convention):
    milestone = Milestone.objects.get()
    response = staff_client.post(
        admin_url(Milestone, "changelist"), {"action": "mark_done", "_selected_action": [milestone.pk]}
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.status, milestone.done_by) == (MilestoneStatus.FAIT, superuser)
