"""Use cases called by the API and the background expiry watch."""
