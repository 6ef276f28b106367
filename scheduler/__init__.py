"""Kezek's background worker: APScheduler jobs against the shared database."""
