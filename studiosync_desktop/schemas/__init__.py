"""Pydantic schemas: the frozen DTOs that cross from services to screens, and validated input."""
