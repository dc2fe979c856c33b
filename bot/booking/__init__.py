"""The practitioner discussion and the contact with the child and family."""
