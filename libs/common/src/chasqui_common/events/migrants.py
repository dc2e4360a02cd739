"""Migrants events: contracts published by the migrants service (filled in by its issue)."""
