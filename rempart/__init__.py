"""Rempart: detection of AI-era phishing, BEC and malicious attachments, explained in English and French."""

__version__ = "0.1.0"
