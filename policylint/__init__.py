"""policylint: policy-as-code linter for the 2017 Taichung City data-leak prevention guideline."""

__version__ = "0.1.0"
