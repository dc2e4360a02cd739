"""Notification rules, pure Python: consent, quiet hours, SMS encoding, rate limits, message choice."""
