"""Uploads kept between a preview and its confirmation (ctg/pending.py)."""

import datetime
import os

import pytest
from django.core.files.storage import default_storage

from ctg.pending import PendingUploads


@pytest.fixture
def pending():
    return PendingUploads("en-attente")


def test_a_kept_file_opens_for_its_owner_and_token_only(pending):
    token = pending.keep(b"contenu", "12-3")
    assert len(token) == 32
    assert pending.read("12-3", token) == b"contenu"
    assert pending.read("12-4", token) is None
    assert pending.read("12-3", "../../settings") is None
    pending.forget("12-3", token)
    assert pending.read("12-3", token) is None


def test_files_nobody_came_back_for_are_deleted_a_day_later(pending):
    old = pending.keep(b"ancien", "1-1")
    path = default_storage.path(f"en-attente/1-1-{old}")
    two_days_ago = (datetime.datetime.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(path, (two_days_ago, two_days_ago))
    recent = pending.keep(b"recent", "1-1")
    assert pending.read("1-1", old) is None
    assert pending.read("1-1", recent) == b"recent"
