"""Object storage: one interface (``ObjectStore``), two backends (a local directory, any S3 store)."""

from repository.storage.stores import (
    CHUNK,
    LocalStore,
    ObjectNotFound,
    ObjectStore,
    S3Store,
    StorageError,
    check_key,
    open_store,
)

__all__ = ["CHUNK", "LocalStore", "ObjectNotFound", "ObjectStore", "S3Store", "StorageError", "check_key",
           "open_store"]  # fmt: skip
