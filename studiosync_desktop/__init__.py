"""StudioSync Desktop: the front-desk application of a music school."""

__version__ = "0.1.0"
