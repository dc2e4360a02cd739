"""Chasqui notifications: consent-aware citizen messages over e-mail, SMS and WhatsApp, never twice."""
