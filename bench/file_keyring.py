"""A keyring kept in one JSON file, for the cold start-up figure: the app's process finds a
remembered password as on a desk PC with a keyring (this machine has none).

The app loads it through keyring's own `PYTHON_KEYRING_BACKEND=bench.file_keyring.FileKeyring`;
the file is named by `STUDIOSYNC_BENCH_KEYRING`. Never for real passwords: the file is plain.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.compat import properties

FILE_ENV = "STUDIOSYNC_BENCH_KEYRING"


class FileKeyring(KeyringBackend):
    @properties.classproperty
    def priority(self) -> float:
        """Only where the figure names its file: keyring considers every backend class that
        is imported, and the bench's other figures import this module with the rest."""
        if FILE_ENV not in os.environ:
            raise RuntimeError(f"{FILE_ENV} is not set")
        return 1

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._file = path

    def _path(self) -> Path:
        return self._file or Path(os.environ[FILE_ENV])

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self._path().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data[f"{service}\n{username}"] = password
        self._path().write_text(json.dumps(data), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        data.pop(f"{service}\n{username}", None)
        self._path().write_text(json.dumps(data), encoding="utf-8")
