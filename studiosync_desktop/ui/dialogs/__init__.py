"""The desk's dialogs: one module per thing a dialog edits or shows."""
