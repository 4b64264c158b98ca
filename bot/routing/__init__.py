"""Routing: category (or out of scope), priority with its reason, team and level, and who gets the ticket."""
