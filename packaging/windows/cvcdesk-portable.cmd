@echo off
rem Starts cvcdesk in portable mode: the database stays in cvcdesk-data beside the program.
start "" "%~dp0cvcdesk.exe" --portable %*
