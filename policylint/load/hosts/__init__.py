"""Host configuration files read as settings with their positions: Windows security templates,
PAM stacks and their conf files, login.defs, sshd_config.

These parsers know the files' syntax and the precedence their products apply, nothing of
policies or descriptor facts (the evidence adapters map settings to facts). Each returns what
it could read and every problem it met, so one bad line costs only that line.

The files of one host belong together through the ``etc`` directory they sit in: a PAM stack
at ``hosts/web01/etc/pam.d/system-auth`` reads ``hosts/web01/etc/security/faillock.conf``, and
an ``Include /etc/ssh/sshd_config.d/*.conf`` is looked up below ``hosts/web01/etc``.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from policylint.load.errors import LocatedError
from policylint.load.hostnames import TEMPLATE_SUFFIX


class HostSetting(NamedTuple):
    """One setting as the host applies it: where it stands, or where its default applies."""

    name: str  # the product's own name: ``MinimumPasswordLength``, ``deny``, ``PASS_MAX_DAYS``
    value: str
    file: str
    line: int
    column: int
    default: str | None = None  # set nowhere: the documented default of this module or program


class HostFileError(LocatedError):
    """A host file, or a line of it, that cannot be read as its kind."""


class Parsed(NamedTuple):
    settings: dict[str, HostSetting]
    errors: tuple[HostFileError, ...] = ()
    product: str | None = None  # what the file shows of the product it is for
    # Keys a placeholder sets: their value is not known, and no default stands for them.
    unrendered: frozenset[str] = frozenset()


_PLACEHOLDER = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}|\$\{[A-Za-z_][^}]*\}"  # Jinja, Ansible, shell-style templates
    r'|\{(?:include|exclude|continue|stop) if "[^"]*"\}|\{if "[^"]*":[^}]*\}|\{imply "[^"]*"[^}]*\}'  # authselect
)


def rendered_name(name: str) -> str:
    """The name of the file a template renders (``sshd_config.j2``: ``sshd_config``)."""
    return name.removesuffix(TEMPLATE_SUFFIX)


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``: a long list of keywords, written as prose."""
    return frozenset(text.split())


def placeholder(text: str) -> re.Match[str] | None:
    """The first unrendered template placeholder of a line."""
    return _PLACEHOLDER.search(text)


class PlaceholderError(HostFileError):
    """A line of a template that was not rendered: the file is still of its kind."""


UNRENDERED = "\x00"  # what stands for a placeholder's characters in a line read around it


def blanked(text: str) -> str:
    """``text`` with each placeholder's characters replaced by ``UNRENDERED``, so that the rest of
    the line keeps its columns and can be read, and what a placeholder sets is known to be unknown."""
    return _PLACEHOLDER.sub(lambda found: UNRENDERED * len(found.group(0)), text)


def placeholder_error(display: str, number: int, found: re.Match[str]) -> PlaceholderError:
    message = f"unrendered template placeholder {found.group(0)!r}: this is a template, not the file a host runs"
    return PlaceholderError(display, message, number, found.start() + 1)


def etc_root(path: str) -> str | None:
    """The nearest directory named ``etc`` that holds ``path``: the host's configuration tree."""
    directory = os.path.dirname(os.path.abspath(path))
    while True:
        if os.path.basename(directory) == "etc":
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def host_name(display: str) -> str:
    """The name reports give the host of a file: the directory that holds its ``etc`` tree,
    else the file as shown."""
    parts = display.replace(os.sep, "/").split("/")
    if "etc" in parts[:-1]:
        index = len(parts) - 2 - parts[:-1][::-1].index("etc")
        return parts[index - 1] if index > 0 else "etc"
    return display


def in_tree(absolute: str, path: str) -> str | None:
    """Where an absolute host path (``/etc/ssh/sshd_config.d/x.conf``) lies in the repository:
    below the ``etc`` tree that holds ``path``; None when there is none or it is not below /etc."""
    root = etc_root(path)
    if root is None or not (absolute == "/etc" or absolute.startswith("/etc/")):
        return None
    return os.path.normpath(os.path.join(root, absolute[len("/etc/") :]))


def display_beside(display: str, path: str, other: str) -> str:
    """How to show ``other``, a file found from ``path`` (shown as ``display``): relative to the
    same place, written the way ``display`` is (``./`` kept)."""
    base = display[: len(display) - len(os.path.basename(path))] if display.endswith(os.path.basename(path)) else ""
    relative = os.path.relpath(os.path.abspath(other), os.path.dirname(os.path.abspath(path)))
    joined = os.path.normpath(os.path.join(base, relative))
    return f"./{joined}" if display.startswith("./") and not joined.startswith(("..", os.sep)) else joined
