"""Scenarios and sample data on top of the platform: the Perú scenario of `make run`, synthetic households, Migracentro visits. Services never import it."""
