"""domain layer of the DCI gateway."""
