"""The authority's policy file: its schema, validated at start, and the generated reference."""
