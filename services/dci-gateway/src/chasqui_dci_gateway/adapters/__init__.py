"""adapters layer of the DCI gateway."""
