"""Notifications events: contracts published by the notifications service (filled in by its issue)."""
