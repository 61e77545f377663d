"""Detectors of Taiwanese personal identifiers and guessable passwords, as pure functions."""
