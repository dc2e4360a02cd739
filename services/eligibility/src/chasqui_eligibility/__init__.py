"""Chasqui eligibility service: which programs each household and person qualifies for, and why."""
