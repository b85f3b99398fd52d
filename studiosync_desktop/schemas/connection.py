"""The address of the studio's shared PostgreSQL server, as the desk types it."""

from __future__ import annotations

from pydantic import Field, field_validator

from studiosync_desktop.schemas.common import Input


class ServerAddress(Input):
    """Where the studio database lives. No user or password: each person logs in with their
    own email and password, which become their own login on that server."""

    host: str = Field(min_length=1, max_length=255)
    port: int = 5432
    database: str = Field(min_length=1, max_length=63)

    @field_validator("host")
    @classmethod
    def _one_word(cls, value: str) -> str:
        if any(c.isspace() or c in "/@?#" for c in value):
            raise ValueError("Type the server's name or address only (for example studio-pc)")
        return value

    @field_validator("port", mode="before")
    @classmethod
    def _port_number(cls, value: object) -> int:
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= 65535:
            raise ValueError("Type a port number from 1 to 65535 (usually 5432)")
        return int(text)
