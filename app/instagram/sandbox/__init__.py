"""Stateful Instagram Graph API sandbox (a small Flask app) for tests and demos."""

from app.instagram.sandbox.app import create_sandbox_app
from app.instagram.sandbox.seed import ACCOUNTS, CUSTOMERS
from app.instagram.sandbox.server import start_sandbox_server

__all__ = ["ACCOUNTS", "CUSTOMERS", "create_sandbox_app", "start_sandbox_server"]
