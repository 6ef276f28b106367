"""Domain operations shared by the web app, the API and the scheduler.

Services take a Session, flush but never commit, and never touch the request.
"""
