"""Services: the only code that talks to the database. Each takes a `Database` and an `Actor`."""
