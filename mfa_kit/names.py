"""Login Names as the portal compares them: one spelling per person, and no look-alikes.

``JORDAN.LEE``, ``jordan.lee`` and fullwidth ``ｊｏｒｄａｎ.ｌｅｅ`` are the same Login Name;
``jоrdan.lee`` with a Cyrillic о is refused when an account is created.
"""

from __future__ import annotations

import unicodedata

MAX_LOGIN_LENGTH = 64
"""Characters in a Login Name, counted after normalisation."""

# Scripts that are written together in one name without being look-alikes of each other.
_WRITTEN_TOGETHER = {"CJK": "HAN", "HIRAGANA": "HAN", "KATAKANA": "HAN", "HANGUL": "HAN"}


def normalise_login(text: str) -> str:
    """The form a Login Name is stored and looked up in: NFKC, case-folded, stripped.

    NFKC is applied again after case folding, which can undo it (Unicode's NFKC_Casefold).
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def script_of(char: str) -> str | None:
    """The script a letter belongs to ("LATIN", "CYRILLIC", …), None for anything that is
    not a letter (digits, dots, marks), which every script shares."""
    if not unicodedata.category(char).startswith("L"):
        return None
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0] if name else "UNKNOWN"
    return _WRITTEN_TOGETHER.get(first, first)


def mixed_scripts(text: str) -> list[str]:
    """The scripts of the letters in ``text`` when there is more than one (sorted), else [].

    A name mixing Latin and Cyrillic or Greek letters is how a look-alike of another
    person's Login Name is made (``jоrdan.lee``).
    """
    scripts = {s for s in map(script_of, text) if s is not None}
    return sorted(scripts) if len(scripts) > 1 else []
