"""Parts of the scam analyzer (``rempart.analyzers.scam``)."""
