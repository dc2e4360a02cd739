"""Migrant-services domain: rules and models, pure Python (no database, broker or HTTP)."""
