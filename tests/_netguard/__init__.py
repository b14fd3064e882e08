"""The test suite's loopback-only network guard (see ``netguard.py``)."""
