"""Fixtures of chasqui_testing that its own tests use."""

from chasqui_testing.browser import browser, page  # noqa: F401  (pytest fixtures)
