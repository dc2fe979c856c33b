"""Shipped sample authority for the demo (made-up case references only)."""
