"""Label maps: the official AVA ``.pbtxt`` form and the ``id: name`` text form."""

from __future__ import annotations

import os
import re

__all__ = ['read_label_map']

_TEXT_ROW = re.compile(r'^\s*(\d+)\s*:\s*(.*?)\s*$')


def _read_pbtxt(path: str, lines: list[str]) -> dict[int, str]:
    # Same reading as the official ActivityNet `read_labelmap`: an `id:` (or `label_id:`) line
    # closes an item and takes the last `name:` seen.
    out: dict[int, str] = {}
    name = ''
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if line.startswith('name:'):
            m = re.search(r'"(.*)"', line)
            if m is None:
                raise ValueError(f'{path}:{lineno}: name without quotes: {line!r}')
            name = m.group(1)
        elif line.startswith(('id:', 'label_id:')):
            try:
                class_id = int(line.split(':', 1)[1].strip())
            except ValueError as e:
                raise ValueError(f'{path}:{lineno}: bad class id: {line!r}') from e
            out[class_id] = name
    return out


def _read_text(path: str, lines: list[str]) -> dict[int, str]:
    out: dict[int, str] = {}
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        m = _TEXT_ROW.match(raw)
        if m is None:
            raise ValueError(f'{path}:{lineno}: expected "id: name", got {raw.strip()!r}')
        class_id = int(m.group(1))
        if class_id in out:
            raise ValueError(f'{path}:{lineno}: class id {class_id} listed twice')
        out[class_id] = m.group(2)
    return out


def read_label_map(path: str | os.PathLike[str]) -> dict[int, str]:
    """Read a label map in either form, detected from the content.

    Args:
        path: ``.pbtxt`` (``item { name: "..." id: N }``) or text with ``id: name`` rows.

    Returns:
        dict: class id -> class name, in file order.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: label map not found')
    with open(path, encoding='utf-8') as f:
        lines = f.readlines()
    is_pbtxt = any(line.strip().startswith('item') for line in lines)
    out = _read_pbtxt(path, lines) if is_pbtxt else _read_text(path, lines)
    if not out:
        raise ValueError(f'{path}: no classes found')
    return out
