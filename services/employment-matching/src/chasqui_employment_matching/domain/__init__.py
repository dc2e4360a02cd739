"""Employment rules and models, free of I/O: scoring, ranking, validation."""
