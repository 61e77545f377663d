"""Regenerate the committed hostile corpus: ``python tests/hostile/generate.py``.

Each file is small; the huge ones (100,000 nested brackets, 5 MB lines, files over the size
limit) are generated at test time by tests/test_hostile.py instead. What each file must
give (exit status, error message, line and column) is in expected.yaml, written by hand.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
DESCRIPTOR = """\
apiVersion: policylint/v1
kind: InformationSystem
metadata:
  name: hostile-system
  agency: 臺中市政府
spec: {}
"""


def _nested_mapping(levels: int) -> str:
    return "".join(" " * level + "k:\n" for level in range(levels)) + " " * levels + "k: v\n"


def _billion_laughs() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


CORPUS: dict[str, bytes | str] = {
    # Not text.
    "binary-nul.yaml": b"apiVersion: policylint/v1\n\x00\x00\x01\x02\xff\xfe binary\n",
    "latin1.yaml": "apiVersion: policylint/v1\nkind: InformationSystem\nmetadata:\n  agency: Caf\xe9\n".encode(
        "latin-1"
    ),
    "utf16.yaml": DESCRIPTOR.encode("utf-16"),
    "control-character.yaml": "metadata:\n  name: \x1b[31mred\x1b[0m\n",
    # Broken YAML.
    "tab-indentation.yaml": DESCRIPTOR.replace("  name:", "\tname:"),
    "unclosed-bracket.yaml": "apiVersion: policylint/v1\nspec: {auditLogging: [1, 2\n",
    "unclosed-quote.yaml": 'apiVersion: policylint/v1\nkind: "InformationSystem\n',
    "undefined-alias.yaml": "a: 1\nb: *nowhere\n",
    "duplicate-anchor.yaml": "a: &x 1\nb: &x 2\nc: *x\n",
    "recursive-alias.yaml": "a: &loop [1, *loop]\n",
    "yaml-2.0.yaml": "%YAML 2.0\n---\na: 1\n",
    "surrogate-escape.yaml": 'a: "\\ud800"\n',
    # Resource bombs, small on disk.
    "billion-laughs.yaml": _billion_laughs(),
    "deep-flow-300.yaml": "[" * 300 + "]" * 300 + "\n",
    "deep-flow-2000.yaml": "[" * 2000 + "]" * 2000 + "\n",
    "deep-block-sequence.yaml": "- " * 300 + "x\n",
    "deep-block-mapping.yaml": _nested_mapping(250),
    "deep-alias-chain.yaml": "a: &a " + "[" * 150 + "x" + "]" * 150 + "\nb: " + "[" * 100 + "*a" + "]" * 100 + "\n",
    # Invalid descriptors, broken JSON.
    "duplicate-keys.yaml": DESCRIPTOR.replace("  agency:", "  name: second-name\n  agency:"),
    "duplicate-keys.json": (
        '{"apiVersion": "policylint/v1", "kind": "InformationSystem",\n'
        ' "metadata": {"name": "a", "name": "b", "agency": "x"},\n "spec": {}}\n'
    ),
    "trailing-comma.json": '{\n  "apiVersion": "policylint/v1",\n}\n',
    "deep.json": "[" * 300 + "]" * 300 + "\n",
    "lone-surrogate.json": '{"apiVersion": "policylint/v1", "kind": "\\udc00"}\n',
    "huge-number.json": '{"a": ' + "9" * 5000 + "}\n",
    "good-then-broken.yaml": DESCRIPTOR + "---\nkey: [unclosed\n",
    # Not errors.
    "empty.yaml": "",
    "comment-only.yaml": "# nothing here but a comment\n# and another\n",
    "byte-order-mark.yaml": "\ufeff" + DESCRIPTOR,
    "crlf.yaml": DESCRIPTOR.replace("\n", "\r\n").encode("utf-8"),
    # An explicit key overrides a merged one: no duplicate, the explicit value wins.
    "merge-keys.yaml": DESCRIPTOR.replace("metadata:\n", "metadata:\n  <<: {name: merged-name, agency: x}\n"),
    "compose.yaml": "services:\n  web:\n    image: nginx:1.27\n    ports: ['80:80']\n",
    "kubernetes.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Service\n"
    ),
    "application-tags.yaml": (
        "password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162636465\n"
        "bucket: !Ref Bucket\narn: !GetAtt Bucket.Arn\nscript: !reference [.setup, script]\n"
        "blob: !!binary aGVsbG8=\nlocal: !custom {a: 1}\n"
    ),
    "python-tags.yaml": (
        "a: !!python/object/apply:os.system ['exit 3']\n"
        "b: !!python/object/new:subprocess.Popen [['false']]\n"
        "c: !!python/name:os.system\n"
        "d: !!python/module:os\n"
        "e: !!python/object:builtins.object {}\n"
    ),
    # Explicit tags on values they cannot describe: PyYAML's constructors crash on these.
    "explicit-tags.yaml": "a: !!int\nb: !!bool maybe\nc: !!float x\nd: !!timestamp 2024-13-45\ne: !!int 1.5\n",
    "not-a-mapping.yaml": "- apiVersion: policylint/v1\n  kind: InformationSystem\n",
    "escapes.yaml": 'a: "\\0\\a\\e\\x85\\u2028"\n',
}


def main() -> None:
    for name, content in CORPUS.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
