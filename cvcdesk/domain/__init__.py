"""Domain: enums, records that cross layers, validation and errors (no database, no Qt)."""
