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
from chasqui_common.values import department_code, province_code

from chasqui_employment_matching.domain import scoring
from chasqui_employment_matching.domain.scoring import SeekerProfile, VacancyProfile

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


def location_prefixes(ubigeos: Sequence[str]) -> list[npt.NDArray[np.int32]]:
    """Department, province and district codes of `ubigeos` as integers (the shared ubigeo rule's
    `department_code` and `province_code`), so equal integers mean the same place at that level."""
    return [
        np.array([int(part(u)) for u in ubigeos], dtype=np.int32)
        for part in (department_code, province_code, str)
    ]


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
        # Prefixes of the ISCO hierarchy (major, sub-major, minor, unit group) and of ubigeo
        # (department, province, district); padding -1 never equals a real code.
        self._s_occ_prefixes = [np.where(occ < 0, -1, occ // d).astype(np.int16) for d in (1000, 100, 10, 1)]
        self._s_loc_prefixes = location_prefixes([s.ubigeo for s in self.seekers])
        self._s_edu = np.array([scoring.EDUCATION_RANK[s.education] for s in self.seekers], dtype=np.int16)
        self._s_exp = np.array([s.experience_years for s in self.seekers], dtype=np.int16)
        self._s_dis = np.array([s.disability for s in self.seekers], dtype=bool)
        self._s_active = np.array([s.active for s in self.seekers], dtype=bool)
        self._s_skills = [
            np.array(sorted(vocabulary[k] for k in s.skills if k in vocabulary), dtype=np.int64)
            for s in self.seekers
        ]

        v_occ = np.array([int(v.occupation_code) for v in self.vacancies], dtype=np.int64)
        self._v_occ_prefixes = [(v_occ // d).astype(np.int16) for d in (1000, 100, 10, 1)]
        self._v_loc_prefixes = location_prefixes([v.ubigeo for v in self.vacancies])
        self._v_edu = np.array(
            [scoring.EDUCATION_RANK[v.education_required] for v in self.vacancies], dtype=np.int16
        )
        # No years required gives full points: treat it as "1 year required, seeker has >= 1".
        v_exp = np.array([v.experience_years_required for v in self.vacancies], dtype=np.int16)
        self._v_exp = np.maximum(v_exp, 1)
        self._v_exp_none = v_exp <= 0
        self._v_incl = np.array([v.inclusive for v in self.vacancies], dtype=bool)
        self._v_open = np.array([v.is_open(today) for v in self.vacancies], dtype=bool)
        # No skills required gives full points: as if one required skill were always shared.
        self._v_nskills_f = np.array([max(len(v.skills), 1) for v in self.vacancies], dtype=np.float32)
        self._occ_points = np.asarray(scoring.OCCUPATION_POINTS, dtype=np.int16)
        self._loc_points = np.asarray(scoring.LOCATION_POINTS, dtype=np.int16)
        self._edu_points = np.asarray(
            [0, scoring.EDUCATION_ONE_SHORT_POINTS, scoring.EDUCATION_POINTS], dtype=np.int16
        )  # by education gap clipped to -2..0
        v_skills = np.zeros((len(vocabulary), len(self.vacancies)), dtype=np.float32)
        for j, v in enumerate(self.vacancies):
            for skill in v.skills:
                v_skills[vocabulary[skill], j] = 1.0
        no_skills = [j for j, v in enumerate(self.vacancies) if not v.skills]
        if no_skills:
            always = np.zeros((1, len(self.vacancies)), dtype=np.float32)
            always[0, no_skills] = 1.0
            v_skills = np.vstack([v_skills, always])
            self._always_skill: int | None = len(vocabulary)
        else:
            self._always_skill = None
        self._v_skills_t = v_skills

    # -- scoring ---------------------------------------------------------------------------------

    def score_block(self, rows: IntArray, cols: IntArray) -> IntArray:
        """Scores of seekers `rows` x vacancies `cols` (positions in the sorted lists); -1 if ineligible.

        Small integer types keep the arrays (and the memory traffic) small; every value fits.
        """
        shape = (len(rows), len(cols))
        occ_level = np.zeros(shape, dtype=np.int8)
        v_prefixes = [p[cols][None, :] for p in self._v_occ_prefixes]
        for k in range(self._s_occ_prefixes[0].shape[1]):
            level = np.zeros(shape, dtype=np.int8)
            for s_prefix, v_prefix in zip(self._s_occ_prefixes, v_prefixes, strict=True):
                level += s_prefix[rows, k][:, None] == v_prefix
            np.maximum(occ_level, level, out=occ_level)
        total = np.take(self._occ_points, occ_level)

        loc_level = np.zeros(shape, dtype=np.int8)
        for s_place, v_place in zip(self._s_loc_prefixes, self._v_loc_prefixes, strict=True):
            loc_level += s_place[rows][:, None] == v_place[cols][None, :]
        total += np.take(self._loc_points, loc_level)

        if self._v_skills_t.shape[0]:
            seeker_skills = np.zeros((len(rows), self._v_skills_t.shape[0]), dtype=np.float32)
            for r, i in enumerate(rows):
                seeker_skills[r, self._s_skills[i]] = 1.0
            if self._always_skill is not None:
                seeker_skills[:, self._always_skill] = 1.0
            overlap = seeker_skills @ self._v_skills_t[:, cols]
            # Exact: small integers, and a correctly rounded quotient never crosses an integer.
            skill_points = (scoring.SKILL_POINTS * overlap) / self._v_nskills_f[cols][None, :]
            total += skill_points.astype(np.int16)
        else:  # no vacancy requires a skill
            total += scoring.SKILL_POINTS

        gap = self._s_edu[rows][:, None] - self._v_edu[cols][None, :]
        total += np.take(self._edu_points, np.clip(gap, -2, 0) + 2)

        years = self._s_exp[rows][:, None]
        needed = self._v_exp[cols][None, :]
        years = np.where(self._v_exp_none[cols][None, :], needed, years)
        total += (scoring.EXPERIENCE_POINTS * np.minimum(years, needed)) // needed

        inclusive = self._v_incl[cols][None, :]
        disabled = self._s_dis[rows][:, None]
        total += (inclusive & disabled).astype(np.int16) * scoring.INCLUSION_POINTS

        eligible = (occ_level > 0) & self._v_open[cols][None, :] & self._s_active[rows][:, None]
        eligible &= ~(inclusive & ~disabled)
        total[~eligible] = INELIGIBLE
        return total.astype(np.int64)

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
