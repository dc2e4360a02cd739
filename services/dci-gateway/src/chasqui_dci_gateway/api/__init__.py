"""api layer of the DCI gateway."""
