"""File writing shared by the bench scripts and the model-card writers: a reader (or a crash)
sees the old file or the new one, never half of one."""
import json
import os


def write_atomic(path, text):
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write_json(path, value):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    write_atomic(path, json.dumps(value, indent=1))


def write_card_section(card, title, section):
    """Replaces the Markdown section `title` (up to the next `## `) of `card` with `section`,
    or appends it."""
    text = open(card).read()
    if title in text:
        head, rest = text.split(title, 1)
        tail = rest[rest.find("\n## "):] if "\n## " in rest else ""
        text = head + section + ("\n" + tail.lstrip("\n") if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    write_atomic(card, text)
