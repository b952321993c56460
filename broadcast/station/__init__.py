"""The running station: ties the timetable, rendering, playout and the as-run log together."""
