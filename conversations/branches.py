"""A conversation's branch map: its turns as a tree, from the Turn parent links."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from conversations.models import Turn


@dataclass
class BranchNode:
    """One turn on the map. The turns continuing it: the first (oldest) goes on in the same line, each
    later one starts a branch of its own."""

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
    """The tree of `turns` (all of one conversation, oldest first). Lines, not nesting, follow a chain, so
    a long conversation stays flat: templates nest only where it branches."""
    known = {turn.pk for turn in turns}
    children: dict[int | None, list[Turn]] = defaultdict(list)
    for turn in turns:
        children[turn.parent_id if turn.parent_id in known else None].append(turn)

    def line_from(turn: Turn | None) -> list[BranchNode]:
        line = []
        while turn is not None:
            first, *others = children[turn.pk] or [None]
            line.append(BranchNode(turn, [line_from(other) for other in others]))
            turn = first
        return line

    branches = sum(max(0, len(kids) - 1) for parent, kids in children.items() if parent is not None)
    return BranchMap(
        lines=[line_from(root) for root in children[None]],
        latest_id=turns[-1].pk if turns else None,
        next_parent_id=getattr(next_parent_in(turns), "pk", None),
        branch_count=branches,
    )
