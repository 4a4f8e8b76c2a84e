"""Attendance's storage: stamps and the day's facts, notices, alerts, the kiosk's codes
and PIN pads, staff presence. SQL for ``resolvers.attendance`` lives here."""
