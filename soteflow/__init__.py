"""soteflow: the workflow engine for a welfare region's service-organising process."""

__version__ = "0.1.0"
