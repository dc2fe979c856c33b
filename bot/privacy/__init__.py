"""Retention and subject access."""
