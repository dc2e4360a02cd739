"""Employment events: contracts published by the employment service (filled in by its issue)."""
