"""Welfare check-ins and alarm-test reminders: the words sent, and reading the answers."""
