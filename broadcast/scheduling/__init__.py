"""Timetable: slots, recurrence, conflicts (pure) and the APScheduler adapter."""
