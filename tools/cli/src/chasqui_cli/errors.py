"""Errors the CLI reports as one clear line (exit status 1), never as a traceback."""

from __future__ import annotations


class CliError(Exception):
    """A problem the operator can act on; the message says what and, when possible, what to do."""
