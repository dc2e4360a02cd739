"""Use cases: event handlers that queue messages, the dispatcher that sends them, queries."""
