"""application layer of the DCI gateway."""
