"""/admin/units/<id>/holidays: each unit's holiday calendar (issue 15, part "tz")."""
