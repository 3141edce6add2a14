"""Fixtures of the agenda tests: the calendar shows governance's séances and evaluation's
milestones, so it uses the governance fixtures (a convention in force today, its COPIL, a séance to
come, a milestone)."""

from tests.governance.conftest import convention, copil, meeting, milestone  # noqa: F401
