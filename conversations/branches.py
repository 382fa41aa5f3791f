"""A conversation's branch map: its turns as a tree, from the Turn parent links."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from conversations.models import Turn


@dataclass
class BranchNode:
    """One turn on the map. Of the turns continuing it, the one leading to the most recent turn goes on in
    the same line; each other one starts a branch of its own, nested under it."""

    turn: Turn
    branches: list[list[BranchNode]] = field(default_factory=list)


@dataclass
class BranchMap:
    lines: list[list[BranchNode]]  # one line per turn that continues nothing (the first, and new chains)
    latest_id: int | None
    next_parent_id: int | None  # the turn a prompt sent now continues from (or waits behind)
    branch_count: int


def next_parent_in(turns: list[Turn]) -> Turn | None:
    """What `services.start_turn` picks for a prompt sent now: the latest turn while it is still queued or
    running (the prompt waits behind it), else the latest that can be continued from."""
    if turns and turns[-1].job.is_active:
        return turns[-1]
    return next((turn for turn in reversed(turns) if turn.can_continue_from), None)


def branch_map(turns: list[Turn]) -> BranchMap:
    """The tree of `turns` (all of one conversation, oldest first). Lines, not nesting, follow a chain, and
    the path to the latest turn is the outermost line: a long conversation stays flat, and only the
    branches left behind are nested."""
    known = {turn.pk for turn in turns}
    children: dict[int | None, list[Turn]] = defaultdict(list)
    for turn in turns:
        children[turn.parent_id if turn.parent_id in known else None].append(turn)
    # The position of the most recent turn in each turn's subtree (children come after their parent).
    recent: dict[int, int] = {}
    for position, turn in reversed(list(enumerate(turns))):
        recent[turn.pk] = max([position, *(recent.get(child.pk, position) for child in children[turn.pk])])

    def line_from(turn: Turn | None) -> list[BranchNode]:
        line = []
        while turn is not None:
            kids = children[turn.pk]
            going_on = max(kids, key=lambda kid: recent.get(kid.pk, 0)) if kids else None
            others = [kid for kid in kids if kid is not going_on]
            line.append(BranchNode(turn, [line_from(other) for other in others]))
            turn = going_on
        return line

    branches = sum(max(0, len(kids) - 1) for parent, kids in children.items() if parent is not None)
    return BranchMap(
        lines=sorted((line_from(root) for root in children[None]), key=lambda line: -recent[line[0].turn.pk]),
        latest_id=turns[-1].pk if turns else None,
        next_parent_id=getattr(next_parent_in(turns), "pk", None),
        branch_count=branches,
    )
