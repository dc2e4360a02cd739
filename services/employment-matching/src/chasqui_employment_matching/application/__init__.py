"""Use cases: commands called by the API, queries, and event handlers."""
