"""Auditor pairs on an audit day (issue 25, Halton: "pairs of auditors, working to a structured
pro forma, reach and record judgements"): the round's auditors paired from its draw's seed, and
each case given to a pair, as plain functions."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.rounds.rules import Candidate

Pair = tuple[int, int | None]  # the auditor the audit is recorded under, and their partner


def pair_auditors(auditor_ids: Sequence[int], seed: str) -> list[Pair]:
    """The auditors in pairs, in an order fixed by the seed (so the draw can be explained); with
    an odd number, the last audits alone."""
    shuffled = sorted(auditor_ids)
    random.Random(f"{seed}:pairs").shuffle(shuffled)
    return [
        (shuffled[index], shuffled[index + 1] if index + 1 < len(shuffled) else None)
        for index in range(0, len(shuffled), 2)
    ]


def assign_pairs(
    ordered: Sequence[Candidate], pairs: Sequence[Pair], cases: int, *, one_each: bool
) -> list[tuple[Candidate, Pair]]:
    """Up to `cases` cases, each to the pair with fewest so far (in the order given) of which
    neither member is its practitioner or their manager. A pair's members take turns to be the
    auditor its audit is recorded under (the other is its partner), so with `one_each` a pair
    takes one case per member: each auditor is recorded under one case, as without pairs."""
    load = [0] * len(pairs)
    assigned: list[tuple[Candidate, Pair]] = []
    for candidate in ordered:
        if len(assigned) == cases:
            break
        conflicted = {candidate.worker_id, candidate.manager_id}
        free = [
            index
            for index, pair in enumerate(pairs)
            if not conflicted & _members(pair)
            and not (one_each and load[index] >= len(_members(pair)))
        ]
        if free:
            chosen = min(free, key=lambda index: load[index])
            first, second = pairs[chosen]
            turn = (second, first) if second is not None and load[chosen] % 2 else (first, second)
            load[chosen] += 1
            assigned.append((candidate, turn))
    return assigned


def _members(pair: Pair) -> set[int]:
    return {member for member in pair if member is not None}
