"""Vectorised matching: the scores of `scoring.assess` for many pairs at once, and top-N selection.

Profiles become integer arrays once; a block of seekers is scored against all vacancies
(or a block of vacancies against all seekers) with numpy, skills overlap as a 0/1 matrix
product. Ineligible pairs score -1. Ties break by the other side's id, ascending, so results
are deterministic and equal to sorting `assess` results by (-score, id).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from chasqui_employment.domain import scoring
from chasqui_employment.domain.scoring import SeekerProfile, VacancyProfile

IntArray = npt.NDArray[np.int64]
INELIGIBLE = -1
_BLOCK_CELLS = 4_000_000  # pairs scored at once: bounds memory (a few int64 arrays of this size)


class Ranked(NamedTuple):
    """One entry of a top-N list: the other side's id and the pair's score."""

    other_id: str
    score: int


def rank_key(entry: Ranked) -> tuple[int, str]:
    """Best first: higher score, then lower id."""
    return (-entry.score, entry.other_id)


class MatchEngine:
    """Scores every (seeker, vacancy) pair of a population in vectorised blocks."""

    def __init__(self, seekers: Sequence[SeekerProfile], vacancies: Sequence[VacancyProfile], today: date):
        self.seekers = sorted(seekers, key=lambda s: s.seeker_id)
        self.vacancies = sorted(vacancies, key=lambda v: v.vacancy_id)
        self.today = today
        self.seeker_index = {s.seeker_id: i for i, s in enumerate(self.seekers)}
        self.vacancy_index = {v.vacancy_id: j for j, v in enumerate(self.vacancies)}

        vocabulary: dict[str, int] = {}
        for v in self.vacancies:
            for skill in v.skills:
                vocabulary.setdefault(skill, len(vocabulary))
        self._vocabulary = vocabulary

        width = max((len(s.occupations) for s in self.seekers), default=1) or 1
        occ = np.full((len(self.seekers), width), -1, dtype=np.int64)
        for i, s in enumerate(self.seekers):
            for k, code in enumerate(s.occupations):
                occ[i, k] = int(code)
        self._s_occ = occ
        self._s_loc = np.array([int(s.ubigeo) for s in self.seekers], dtype=np.int64)
        self._s_edu = np.array([scoring.EDUCATION_RANK[s.education] for s in self.seekers], dtype=np.int64)
        self._s_exp = np.array([s.experience_years for s in self.seekers], dtype=np.int64)
        self._s_dis = np.array([s.disability for s in self.seekers], dtype=bool)
        self._s_active = np.array([s.active for s in self.seekers], dtype=bool)
        self._s_skills = [
            np.array(sorted(vocabulary[k] for k in s.skills if k in vocabulary), dtype=np.int64)
            for s in self.seekers
        ]

        self._v_occ = np.array([int(v.occupation_code) for v in self.vacancies], dtype=np.int64)
        self._v_loc = np.array([int(v.ubigeo) for v in self.vacancies], dtype=np.int64)
        self._v_edu = np.array(
            [scoring.EDUCATION_RANK[v.education_required] for v in self.vacancies], dtype=np.int64
        )
        self._v_exp = np.array([v.experience_years_required for v in self.vacancies], dtype=np.int64)
        self._v_incl = np.array([v.inclusive for v in self.vacancies], dtype=bool)
        self._v_open = np.array([v.is_open(today) for v in self.vacancies], dtype=bool)
        self._v_nskills = np.array([len(v.skills) for v in self.vacancies], dtype=np.int64)
        v_skills = np.zeros((len(vocabulary), len(self.vacancies)), dtype=np.float32)
        for j, v in enumerate(self.vacancies):
            for skill in v.skills:
                v_skills[vocabulary[skill], j] = 1.0
        self._v_skills_t = v_skills

    # -- scoring ---------------------------------------------------------------------------------

    def score_block(self, rows: IntArray, cols: IntArray) -> IntArray:
        """Scores of seekers `rows` x vacancies `cols` (positions in the sorted lists); -1 if ineligible."""
        s_occ = self._s_occ[rows]
        v_occ = self._v_occ[cols][None, :]
        occ_level = np.zeros((len(rows), len(cols)), dtype=np.int64)
        for k in range(s_occ.shape[1]):
            code = s_occ[:, k][:, None]
            level = (
                (code // 1000 == v_occ // 1000).astype(np.int64)
                + (code // 100 == v_occ // 100)
                + (code // 10 == v_occ // 10)
                + (code == v_occ)
            )
            np.maximum(occ_level, level, out=occ_level)
        total = np.asarray(scoring.OCCUPATION_POINTS, dtype=np.int64)[occ_level]

        s_loc = self._s_loc[rows][:, None]
        v_loc = self._v_loc[cols][None, :]
        loc_level = (
            (s_loc // 10000 == v_loc // 10000).astype(np.int64)
            + (s_loc // 100 == v_loc // 100)
            + (s_loc == v_loc)
        )
        total += np.asarray(scoring.LOCATION_POINTS, dtype=np.int64)[loc_level]

        required = self._v_nskills[cols][None, :]
        if self._v_skills_t.shape[0]:
            seeker_skills = np.zeros((len(rows), self._v_skills_t.shape[0]), dtype=np.float32)
            for r, i in enumerate(rows):
                seeker_skills[r, self._s_skills[i]] = 1.0
            overlap = np.rint(seeker_skills @ self._v_skills_t[:, cols]).astype(np.int64)
        else:
            overlap = np.zeros((len(rows), len(cols)), dtype=np.int64)
        total += np.where(
            required == 0, scoring.SKILL_POINTS, scoring.SKILL_POINTS * overlap // np.maximum(required, 1)
        )

        gap = self._s_edu[rows][:, None] - self._v_edu[cols][None, :]
        total += np.where(
            gap >= 0, scoring.EDUCATION_POINTS, np.where(gap == -1, scoring.EDUCATION_ONE_SHORT_POINTS, 0)
        )

        years = self._s_exp[rows][:, None]
        needed = self._v_exp[cols][None, :]
        total += np.where(
            needed <= 0,
            scoring.EXPERIENCE_POINTS,
            scoring.EXPERIENCE_POINTS * np.minimum(years, needed) // np.maximum(needed, 1),
        )

        inclusive = self._v_incl[cols][None, :]
        disabled = self._s_dis[rows][:, None]
        total += np.where(inclusive & disabled, scoring.INCLUSION_POINTS, 0)

        eligible = (
            (occ_level > 0)
            & self._v_open[cols][None, :]
            & self._s_active[rows][:, None]
            & ~(inclusive & ~disabled)
        )
        return np.where(eligible, total, INELIGIBLE)

    # -- top-N -----------------------------------------------------------------------------------

    def top_for_seekers(self, n: int, seeker_ids: Iterable[str] | None = None) -> dict[str, list[Ranked]]:
        """The best `n` vacancies of each seeker (all seekers unless `seeker_ids`)."""
        rows = self._positions(self.seeker_index, seeker_ids, len(self.seekers))
        cols = np.arange(len(self.vacancies), dtype=np.int64)
        result: dict[str, list[Ranked]] = {}
        for chunk in _chunks(rows, max(1, _BLOCK_CELLS // max(1, len(cols)))):
            block = self.score_block(chunk, cols)
            for r, picks in enumerate(_top_per_row(block, n)):
                result[self.seekers[chunk[r]].seeker_id] = [
                    Ranked(self.vacancies[j].vacancy_id, int(block[r, j])) for j in picks
                ]
        return result

    def top_for_vacancies(self, n: int, vacancy_ids: Iterable[str] | None = None) -> dict[str, list[Ranked]]:
        """The best `n` seekers of each vacancy (all vacancies unless `vacancy_ids`)."""
        cols = self._positions(self.vacancy_index, vacancy_ids, len(self.vacancies))
        rows = np.arange(len(self.seekers), dtype=np.int64)
        result: dict[str, list[Ranked]] = {}
        for chunk in _chunks(cols, max(1, _BLOCK_CELLS // max(1, len(rows)))):
            block = self.score_block(rows, chunk).T
            for c, picks in enumerate(_top_per_row(block, n)):
                result[self.vacancies[chunk[c]].vacancy_id] = [
                    Ranked(self.seekers[i].seeker_id, int(block[c, i])) for i in picks
                ]
        return result

    def scores_of_seeker(self, seeker_id: str) -> dict[str, int]:
        """Every eligible vacancy of one seeker with its score."""
        block = self.score_block(np.array([self.seeker_index[seeker_id]]), np.arange(len(self.vacancies)))
        return {self.vacancies[j].vacancy_id: int(block[0, j]) for j in np.flatnonzero(block[0] >= 0)}

    def scores_of_vacancy(self, vacancy_id: str) -> dict[str, int]:
        """Every eligible seeker of one vacancy with its score."""
        block = self.score_block(np.arange(len(self.seekers)), np.array([self.vacancy_index[vacancy_id]]))
        return {self.seekers[i].seeker_id: int(block[i, 0]) for i in np.flatnonzero(block[:, 0] >= 0)}

    @staticmethod
    def _positions(index: dict[str, int], ids: Iterable[str] | None, size: int) -> IntArray:
        if ids is None:
            return np.arange(size, dtype=np.int64)
        return np.array(sorted(index[i] for i in ids if i in index), dtype=np.int64)


def _chunks(positions: IntArray, size: int) -> Iterator[IntArray]:
    for start in range(0, len(positions), size):
        yield positions[start : start + size]


def _top_per_row(block: IntArray, n: int) -> list[IntArray]:
    """Per row, the column positions of the best `n` eligible cells: score desc, column asc."""
    rows, cols = block.shape
    if cols == 0 or n <= 0:
        return [np.empty(0, dtype=np.int64) for _ in range(rows)]
    # One sortable key per cell: higher score first, then lower column (= lower id).
    key = block.astype(np.int64) * cols + (cols - 1 - np.arange(cols, dtype=np.int64))[None, :]
    take = min(n, cols)
    part = np.argpartition(-key, take - 1, axis=1)[:, :take]
    picked = np.take_along_axis(key, part, axis=1)
    order = np.argsort(-picked, axis=1, kind="stable")
    best = np.take_along_axis(part, order, axis=1)
    best_scores = np.take_along_axis(block, best, axis=1)
    return [best[r][best_scores[r] >= 0] for r in range(rows)]
