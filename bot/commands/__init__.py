"""The `/audit` command: parsing, rights, and the programme status."""
