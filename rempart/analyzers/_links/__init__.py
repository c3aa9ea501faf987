"""Helpers of the links analyzer (``rempart.analyzers.links``): URL parts, host facts, checks, forms."""
