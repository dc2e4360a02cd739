"""Use cases: event handlers, commands, queries and the sweep."""
