"""Renderers: each turns a result from :mod:`dedup.api` into text for one audience."""
