"""A lookup by document that finds nobody is an answer (it commits its token and record); callers
that answer 404 turn it into CitizenNotFound naming the document."""

import pytest
from chasqui_citizen_attention.application.models import CitizenLookup
from chasqui_citizen_attention.domain.errors import CitizenNotFound
from chasqui_common.values import IdentityDocument


def test_a_lookup_that_found_nobody_raises_citizen_not_found_naming_the_number() -> None:
    lookup = CitizenLookup(IdentityDocument(type="DNI", number="41835127"), None)
    with pytest.raises(CitizenNotFound) as raised:
        lookup.found()
    assert (raised.value.field, raised.value.value) == ("document.number", "41835127")
