"""Chasqui citizen attention: the municipal attention registry of CIAM, DEMUNA, OMAPED and the ULE."""
