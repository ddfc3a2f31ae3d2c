"""The HTTP API: the Flask app factory, its routes, request parsing, errors, security headers and pages."""
