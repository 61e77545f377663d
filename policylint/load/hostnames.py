"""The names host configuration files go by, apart from their parsers (``policylint.load.hosts``):
discovery and the engine test every file name against them, and a run that meets no host
file need not import the parsers (a fiftieth of a one-file check's instructions)."""

from __future__ import annotations

# The names host files go by, for discovery: security templates, sshd_config and its drop-ins
# (``.conf``, like other evidence), login.defs, PAM stacks and the conf files of their modules.
PAM_STACKS = ("system-auth", "password-auth", "common-auth", "common-password")
PAM_CONFS = ("faillock.conf", "pwquality.conf", "pwhistory.conf")
_PLAIN_NAMES = (".inf", "sshd_config", "login.defs", *PAM_STACKS, *PAM_CONFS)
# A Jinja template of one of them (``sshd_config.j2`` in an Ansible role) is found too, and
# recognised as the file it renders: its placeholders are then errors at their lines.
TEMPLATE_SUFFIX = ".j2"
FILE_NAMES = (*_PLAIN_NAMES, *(name + TEMPLATE_SUFFIX for name in _PLAIN_NAMES))
