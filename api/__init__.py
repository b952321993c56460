"""Loa's HTTP API: the FastAPI app factory, routes, schemas and auth (see api.app)."""
