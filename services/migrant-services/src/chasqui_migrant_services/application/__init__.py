"""Use cases (commands and queries) called by the API and the background expiry watch."""
