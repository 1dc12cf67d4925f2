"""The ``/v1`` route tables (one call per endpoint into the modules below) and request statistics,
faults and rate limits; ``app.py`` wires them into the ASGI app."""
