"""The vocabulary of a run: the descriptor model (``descriptor``), its JSON Schema
(``schema``) and the one validator of descriptors (``validate``); the configuration file
(``config``); and the results every later layer speaks (``results``: findings, file errors,
per-system results, the run report; ``waiver``: a waiver as a value), with the JSON writer
(``pretty``) that reports and baselines share. It reads documents from ``load`` and nothing
above it."""
