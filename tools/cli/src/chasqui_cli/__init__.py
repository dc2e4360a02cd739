"""The `chasqui` operator CLI."""
