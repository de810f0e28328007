"""The `aura` command line and the local servers it runs (stack.py: NATS, PostgreSQL, Envoy)."""
