"""Translations for the permissions branch (issue 14, item 1): no new msgids.

Status labels moved from templating.STATUS_LABELS (_l) to workflow.py (N_) with the same
English msgids, and the request page's button labels moved to service_requests/actions.py
unchanged, so `make extract` finds the same strings.
"""

T: dict[str, str] = {}
