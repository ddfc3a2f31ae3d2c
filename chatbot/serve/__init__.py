"""Serving: gunicorn, and the reloader that swaps the bot without dropping a request."""
