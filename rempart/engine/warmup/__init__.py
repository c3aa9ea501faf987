"""Messages the engine scans once at start (``Engine.warm_up``), written for the project.

They only exercise the analyzers' code paths (French and English text, HTML links, a reply-to, a
display name) so that structures built on first use exist before the first real message.
"""
