"""Printed output (ReportLab only): rosters, sign-in sheets, schedules."""
