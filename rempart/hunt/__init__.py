"""Batch scans and retro-hunts over many messages: a local process pool, or Dask distributed."""
