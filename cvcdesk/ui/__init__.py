"""The desktop app's widgets (PySide6 only; data comes through services)."""
