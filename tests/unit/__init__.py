"""Fast tests of plain rules and renderings: no database, no HTTP."""
