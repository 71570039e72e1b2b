"""Supervisor backlog, periodic reports, exports and the SKM satisfaction survey."""
