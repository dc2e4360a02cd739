"""Messaging plumbing: the outbox, the inbox, the consumer pipeline and dead letters."""
