"""Why an indexing run cannot start, whatever the backend."""


class IndexBusy(Exception):
    """Another indexing run holds the lock."""
