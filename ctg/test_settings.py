"""Settings for the test suite: development defaults, fast password hashing."""

import os

os.environ.setdefault("DEBUG", "1")

from ctg.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test database is not visible from another process: render documents in the test's own.
DOCUMENT_WORKER = "inline"
