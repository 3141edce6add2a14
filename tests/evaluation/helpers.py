"""Helpers of the evaluation tests: the milestone form's data."""

from evaluation.enums import MilestoneKind, MilestoneStatus


def form_data(**overrides):
    data = {"kind": MilestoneKind.BILAN_INTERMEDIAIRE, "title": "Bilan intermédiaire", "start": "2024-05-01",
            "end": "2024-07-31", "status": MilestoneStatus.PREVU, "body": "", "notes": ""}
    data.update(overrides)
    return data
