"""Job ids: every id minted anywhere fits the custom_ids that carry it."""

from __future__ import annotations

import re

import bot.storage._ledger
from bot.discord.views.buttons import EDIT_PROMPT_ID, TEMPLATE
from bot.jobs import JOB_ID_ALPHABET, JOB_ID_LENGTH, new_job_id
from bot.storage._ledger import MAX_JOB_ID_LENGTH

BUTTON = re.compile(TEMPLATE)


def test_ten_thousand_ids_fit_every_custom_id_template() -> None:
    ids = [new_job_id() for _ in range(10_000)]
    for job_id in ids:
        assert len(job_id) == JOB_ID_LENGTH <= MAX_JOB_ID_LENGTH
        for action in ("reroll", "edit", "delete", "cancel"):
            match = BUTTON.fullmatch(f"ib:{action}:{job_id}")
            assert match is not None, job_id
            assert match["job"] == job_id
        edit = EDIT_PROMPT_ID.fullmatch(f"ib:editprompt:{job_id}")
        assert edit is not None
        assert edit["job"] == job_id
        assert len(f"ib:editprompt:{job_id}") <= 100  # Discord's custom_id limit
    assert len(set(ids)) == len(ids)
    # The whole alphabet is used (100,000 draws from 62 letters): ids are not from a narrower set.
    assert set("".join(ids)) == set(JOB_ID_ALPHABET)


def test_one_generator_for_plans_and_the_ledger() -> None:
    assert bot.storage._ledger.new_job_id is new_job_id


def test_every_position_of_an_id_is_drawn_from_the_whole_alphabet() -> None:
    ids = [new_job_id() for _ in range(10_000)]
    for position in range(JOB_ID_LENGTH):
        letters = {job_id[position] for job_id in ids}
        # 10,000 draws from 62 letters: each letter has about 161 chances at each position.
        assert letters == set(JOB_ID_ALPHABET), position
    # Positions are independent draws, not one letter repeated or shifted along the id.
    assert sum(len(set(job_id)) <= 3 for job_id in ids) == 0
