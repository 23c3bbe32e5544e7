"""Storage: SQLAlchemy models, the database file, migrations and backups."""
