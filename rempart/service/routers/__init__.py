"""API routers, mounted under /api/v1 by ``rempart.service.app``."""
