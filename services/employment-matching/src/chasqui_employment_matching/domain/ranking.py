"""Keeping a stored top-N list right when one member's score changes, without rescoring everyone.

A stored list holds the best N eligible entries (fewer only when fewer are eligible), so every
entry not in a full list ranks below its last entry. That is enough to merge one changed
entry in, except when a member drops to the bottom of a full list (or out of it): then an
unseen entry may now beat it, and the list must be recomputed from all candidates.
"""

from __future__ import annotations

from collections.abc import Sequence

from chasqui_employment_matching.domain.engine import Ranked, rank_key


class NeedsRecompute(Exception):
    """The list cannot be merged; score all candidates again."""


def merge(current: Sequence[Ranked], changed_id: str, new: Ranked | None, n: int) -> list[Ranked]:
    """The top-`n` list after `changed_id` gets score `new` (None: no longer eligible)."""
    ordered = sorted(current, key=rank_key)
    old = next((e for e in ordered if e.other_id == changed_id), None)
    others = [e for e in ordered if e.other_id != changed_id]
    full = len(ordered) >= n
    if new is None:
        if old is None:
            return ordered
        if full:
            raise NeedsRecompute(changed_id)
        return others
    merged = sorted([*others, new], key=rank_key)
    if old is not None and full and merged[-1] == new and rank_key(new) > rank_key(old):
        raise NeedsRecompute(changed_id)  # it fell to the bottom: an unseen entry may beat it now
    return merged[:n]
