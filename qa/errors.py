"""Exceptions whose messages are meant for the user: they say what was wrong and what to do."""


class MedciteError(Exception):
    """Base of every error the CLI and UI show to the user as a message rather than a traceback."""


class LoadError(MedciteError):
    """A file could not be read as a document; the message is the reason shown in the ingest summary."""


class IndexLoadError(MedciteError):
    """An index is missing, damaged or was built by another model or chunker version."""


class ModelLoadError(MedciteError):
    """The configured embedding model could not be loaded offline."""
