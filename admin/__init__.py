"""The staff API: tickets, contacts, the directory, the audit log and staff accounts."""
