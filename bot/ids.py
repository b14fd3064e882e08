"""Job ids: the one generator, with the alphabet every custom_id that carries a job id accepts.

A job id travels in button and modal custom_ids (`ib:<action>:<job>`), so it may hold only
the characters of `JOB_ID_PATTERN`; the storage layer, the generation service and the Discord
layer all mint ids here.
"""

from __future__ import annotations

import secrets
import string

JOB_ID_ALPHABET = string.ascii_letters + string.digits
JOB_ID_LENGTH = 10  # 62**10: about 59.5 random bits
JOB_ID_PATTERN = r"[A-Za-z0-9]{4,32}"  # what custom_id templates accept (ids of older versions included)


def new_job_id() -> str:
    """A new random job id of `JOB_ID_LENGTH` characters from `JOB_ID_ALPHABET`."""
    return "".join(secrets.choice(JOB_ID_ALPHABET) for _ in range(JOB_ID_LENGTH))
