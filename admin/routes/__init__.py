"""One router per resource of the staff API."""
