"""Chasqui migrant services: Migracentros, cases, appointments, referrals, document expiry watch."""
