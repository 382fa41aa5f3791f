"""Admin searches written so that the database's indexes answer them (see migrations 0006 and 0010).

Django's own search ORs `icontains` over every search field, joined tables included: PostgreSQL cannot combine
indexes across a join, so each search scanned every row of a million-row list. Here each word becomes an OR
of conditions on the listed table alone: its own columns (a usage record carries its job's prompt), and the
ids of the few users whose name matches, looked up first (an index can answer `owner_id IN (1, 2)` inside an
OR, not a join). The words still narrow the search (AND), as in Django's.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.text import smart_split, unescape_string_literal


def search_words(search_term: str) -> list[str]:
    """The words of a search box, split as Django's admin does ("a quoted phrase" is one word)."""
    words = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit:
            words.append(bit)
    return words


def users_named(word: str) -> list[int]:
    """The ids of the users whose username contains `word`: few, even with many users."""
    return list(get_user_model().objects.filter(username__icontains=word).values_list("pk", flat=True))
