"""Eligibility events: contracts published by the eligibility service (filled in by its issue)."""
