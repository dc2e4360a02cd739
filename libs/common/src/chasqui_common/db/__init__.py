"""Database plumbing: connection pools and numbered SQL migrations."""
