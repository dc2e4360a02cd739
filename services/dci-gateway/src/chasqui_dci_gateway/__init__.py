"""Chasqui DCI gateway: the social registry through the spdci registry API (docs/dci.md)."""
