"""Use cases: one public method is one unit of work; they return domain records, never ORM rows."""
