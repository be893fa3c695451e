"""The REST API for the firm's applicant tracking system: versioned under /api/v1/, OpenAPI-described,
authenticated by API keys that act with their user's permissions, writing through the apps' services."""
