"""Installed into test child processes through ``PYTHONPATH``: the loopback-only network guard.

See ``netguard.py`` beside this file. Violations go to ``$IMAGEBOT_NETGUARD_REPORT`` so that the
parent test fails even when the child swallowed the error.
"""

import netguard

netguard.install()
