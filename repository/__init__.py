"""sohoa repository: catalog, object storage, reuse and search, API and CLI."""
