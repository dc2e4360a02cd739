"""Makes this member's tests runnable on their own: registers the fixtures plugin if needed."""

from __future__ import annotations

import pytest

PLUGIN = "chasqui_local.pytest_plugin"


def pytest_configure(config: pytest.Config) -> None:
    # The root conftest registers the plugin for the whole repository; when pytest runs from
    # elsewhere (or before that conftest exists), register it here instead.
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.import_plugin(PLUGIN)
