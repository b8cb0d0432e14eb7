"""Sharing a budget among a commodity's demand lines: by priority, then in proportion.

Lines of the highest priority (lowest number) are served first, each up to its target
(its cap x its need); what is left goes to the next priority, and so on. Within a priority
that cannot be served in full, every line gets the same share of its weighted need
(``lambda x weight``), capped at its target: water-filling.

>>> allocate(10.0, need=[4.0, 8.0, 8.0], target=[4.0, 8.0, 8.0], priority=[0, 1, 1],
...          weight=[1.0, 1.0, 1.0])
[4.0, 3.0, 3.0]
"""

from __future__ import annotations

from collections.abc import Sequence


def allocate(
    budget: float,
    need: Sequence[float],
    target: Sequence[float],
    priority: Sequence[int],
    weight: Sequence[float],
) -> list[float]:
    """Amount given to each line (same order as the inputs); the total is min(budget, sum of
    targets). ``target`` <= ``need`` is what a line may receive at most (its cap x need)."""
    out = [0.0] * len(need)
    left = max(budget, 0.0)
    for level in sorted(set(priority)):
        lines = [i for i, p in enumerate(priority) if p == level and target[i] > 0]
        wanted = sum(target[i] for i in lines)
        if wanted <= left:
            for i in lines:
                out[i] = target[i]
            left -= wanted
            continue
        _water_fill(left, lines, need, target, weight, out)
        break
    return out


def _water_fill(budget: float, lines: list[int], need, target, weight, out: list[float]) -> None:
    """Give ``budget`` (less than the lines' targets) as min(target, lam x weight x need)."""
    scale = {i: weight[i] * need[i] for i in lines}
    open_lines = sorted((i for i in lines if scale[i] > 0), key=lambda i: target[i] / scale[i])
    saturated = 0.0
    for n, i in enumerate(open_lines):
        remaining_scale = sum(scale[j] for j in open_lines[n:])
        if remaining_scale <= 0:
            return
        lam = (budget - saturated) / remaining_scale
        if lam * scale[i] < target[i]:
            for j in open_lines[n:]:
                out[j] = min(lam * scale[j], target[j])
            return
        out[i] = target[i]
        saturated += target[i]
