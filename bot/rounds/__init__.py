"""Audit rounds (thematic, whole-file, audit days): definition, draw, attendance, status."""
