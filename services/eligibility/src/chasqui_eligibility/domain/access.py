"""Which programmes' decisions a caller may read: its own programme(s), or all for national roles.

A programme office (JUNTOS, Pensión 65, Contigo, ...) needs its own programme's decisions only;
OMAPED and Contigo decisions reveal a disability (sensitive data, Ley 29733 art. 2.5), so another
programme's integrator must not read them (Ley 29733 art. 8, minimisation). Integrator tokens
name their programme(s) in `chasqui:programme`; the targeting office holds `eligibility:national`.
"""

from __future__ import annotations

from collections.abc import Iterable

from chasqui_common.auth.scope import AccessScope

from chasqui_eligibility.domain.errors import NoProgrammeInScope

NATIONAL_PREFIX = "eligibility"


def visible_programmes(scope: AccessScope, programmes: Iterable[str]) -> frozenset[str]:
    """The programmes among `programmes` whose decisions a caller with `scope` may read.

    NoProgrammeInScope (403) when the token names no programme and is not national: it could
    read nothing, and an empty answer would look like "not eligible anywhere"."""
    codes = frozenset(programmes)
    if scope.is_national(NATIONAL_PREFIX):
        return codes
    if not scope.programmes:
        raise NoProgrammeInScope(
            "this token names no programme (chasqui:programme) and is not eligibility:national",
            field="scope",
            value=None,
            expected="a chasqui:programme claim (e.g. JUNTOS) or an eligibility:national token",
        )
    return codes & scope.programmes
