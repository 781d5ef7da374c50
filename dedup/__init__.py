"""dedup: find near-duplicate news articles and reports of the same event, and show where
two reports differ."""

__version__ = "0.1.0"
