"""The guarantees of docs/reliability.md: crashes, outages, retries, races, several instances."""
