"""Chasqui shared contracts and plumbing: no domain decisions live here."""
