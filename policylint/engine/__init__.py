"""Checking: ``evaluate`` reads one file, finds its descriptors, validates them and applies
every selected policy of the catalog, with the detectors (``detectors``: identifiers and
guessable passwords in any configuration file) and the waivers (``waivers``); ``parallel``
spreads files over worker processes and shards; ``baseline``, ``merge`` and ``verify`` make
results from earlier runs and from policy examples. It yields results and never prints,
exits, or imports a reporter."""
