"""The ``rempart`` command."""
