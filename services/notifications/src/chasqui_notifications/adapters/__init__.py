"""I/O: the repository (SQL), channel transports (SMTP, HTTP providers, log) and the template engine."""
