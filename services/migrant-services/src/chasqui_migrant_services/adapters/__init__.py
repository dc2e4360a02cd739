"""I/O adapters: the repository over asyncpg."""
