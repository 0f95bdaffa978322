"""The REST API at `/api/v1/`: endpoints by concept on top of `base`."""
