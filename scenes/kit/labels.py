"""Labels at line ends that never overlap, in a compact column beside the chart: each joined
to its line's end by a leader that crosses no other and passes over no other line's end
(straight; bent just past a dot where the straight way clear of it would send its label far
from the column, or where a crowd of ends leaves no straight way)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

Point = tuple[float, float]

# what a label's place may cost: a leader crossing another outweighs every other concern, a
# label out of its end's order (by how far apart the ends are) outweighs distance from its
# end's height
CONFLICT_COST = 1e6
ORDER_COST = 100.0
# a leader close beside another run's dot (nearer than the margin asked), by how close: about
# what moving a label a few steps costs, so a label is nudged to clear it, not sent far away
NEAR_COST = 1.0
# a leader over a dot, to be bent past it: about what moving a label a gap or two costs
BEND_COST = 2.0
# ends at about one height out of their order (by distance from the labels) cost as ends this
# far apart in height: an order kept unless a conflict needs it changed
BAND_ORDER = 0.05
ONE_HEIGHT = 0.25  # ends nearer in height than this share of the labels' gap read as one
TOUCHING = 0.015  # from a dot's edge: the leader's own half width and a hair
STEP = 0.02  # the heights a label may take, this far apart (3 px at 1080p)
ALL_MOVES = 10  # up to this many labels, the best order is sought; beyond, one without conflict
# orders tried at most, times the labels squared (each order's cost): 2500 orders of 18
# labels, 900 of 30 (most of a sweep; a second at most on a busy machine)
MOST_WORK = 8e5
AT_ONCE = 128  # orders judged in one array


def leader_slots(
    dots: list[Point],
    starts: list[Point],
    x: float,
    gap: float,
    bounds: tuple[float, float],
    radius: float,
    margin: float,
) -> list[Leader]:
    """Label heights at ``x``, at least ``gap`` apart within ``bounds`` (low, high), for the
    runs whose curves end at ``dots``, each label's leader drawn straight from its ``starts``
    point (beside its dot) to ``x`` at its height. Placed so that no leader crosses another
    nor passes within ``margin`` of another run's dot (of ``radius``; a dot touching the
    leader's own cannot be cleared), then so that the labels keep the order of their ends
    (by height; ends at about one height by their distance from the labels, see
    ``ends_order``), then as near those heights as they can be; a leader passing close beside
    a dot costs a little, so a label is nudged, never sent far, to clear it, and a leader
    that would have to climb far is bent just past the dot instead. Leaders from ends at one height
    (curves that level off together, epochs that stop at one count) fan out: the farther an
    end from the labels, the farther its label from that height, so its leader clears the dots
    between. Where no place avoids every conflict (many runs ending at one height next to each
    other), a leader that still passes over a dot is bent: down or up from its start first,
    past the crowd, then to its label. Returned in the order of ``dots``."""
    count = len(dots)
    if not count:
        return []
    placer = _Placer(np.asarray(dots, float), np.asarray(starts, float), x, gap, bounds)
    ends = np.asarray(dots, float)
    over, touching = radius + TOUCHING, 2 * radius + margin
    # first with leaders over a dot bent past it (a label kept in the column, not sent far
    # away to clear the dot), then, where a bend does not clear every leader, straight
    # leaders that clear the dots; a band of ends at about one height fans up to labels above
    # it or down to labels under it (beside the chart's top there is no room above):
    # whichever costs less
    for bend_cost in (BEND_COST, CONFLICT_COST):
        placer.judge_leaders(radius + margin, over, touching, bend_cost)
        found = []
        for upwards in (True, False):
            placer.order_ends(ends_order(placer.dots, gap, upwards))
            first = _first_orders(placer.dots, starts, x, gap, bounds, upwards)
            cost, placed = _search(placer, first, count)
            leaders = [Leader([start, (x, y)]) for start, y in zip(starts, placed, strict=True)]
            if cost >= CONFLICT_COST or _any_faults(leaders, ends, over, touching):
                _bend(leaders, ends, over, touching)
            clean = cost < CONFLICT_COST and not _any_faults(leaders, ends, over, touching)
            found.append((not clean, cost, leaders))
        faulty, _, leaders = min(found, key=lambda t: t[:2])
        if not faulty:
            break
    return leaders


def _any_faults(leaders: list[Leader], dots: np.ndarray, over: float, touching: float) -> bool:
    """Whether a leader crosses another or passes over a dot not touching its own."""
    for index, leader in enumerate(leaders):
        mine = dots[index]
        avoidable = [d for d in dots if float(np.hypot(*(d - mine))) > touching]
        others = [other.corners for k, other in enumerate(leaders) if k != index]
        if _faults(leader.corners, avoidable, others, over):
            return True
    return False


def _search(placer: _Placer, first: list[list[int]], count: int) -> tuple[float, list[float]]:
    """The least cost of an order of labels, from the best of ``first`` one move at a time,
    and its labels' heights."""
    (cost, placed), order = min(((placer.place(o), o) for o in first), key=lambda t: t[0][0])
    tried = 0
    # up to ALL_MOVES labels, the best order is sought; beyond, only while there is a conflict
    while tried * count**2 < MOST_WORK and (count <= ALL_MOVES or cost >= CONFLICT_COST):
        candidates = np.array(_moves(order), dtype=int)
        if not len(candidates):  # one label: its place is the best for it
            break
        tried += len(candidates)
        costs = np.concatenate(
            [placer.costs(candidates[k : k + AT_ONCE]) for k in range(0, len(candidates), AT_ONCE)]
        )
        best = int(np.argmin(costs))
        if costs[best] >= cost - 1e-9:
            break
        order = [int(i) for i in candidates[best]]
        cost, placed = placer.place(order)
    return cost, placed


@dataclass
class Leader:
    """A leader's corners, from beside its dot to its label; ``label_y`` is its label's
    height."""

    corners: list[Point]

    @property
    def label_y(self) -> float:
        return self.corners[-1][1]


def _bend(leaders: list[Leader], dots: np.ndarray, over: float, touching: float) -> None:
    """Each leader that passes over a dot it could avoid or crosses another, bent where it does
    fewer of these: from its start to a corner anywhere between its start and the labels,
    then to its label; of the bends that do best, the least. Twice over: a bent leader may
    free the way for another."""
    low = float(min(dots[:, 1].min(), *(leader.label_y for leader in leaders))) - 0.3
    high = float(max(dots[:, 1].max(), *(leader.label_y for leader in leaders))) + 0.3
    for _ in range(2):
        for index, leader in enumerate(leaders):
            start, end = leader.corners[0], leader.corners[-1]
            mine = dots[index]
            avoidable = [d for d in dots if float(np.hypot(*(d - mine))) > touching]
            others = [other.corners for k, other in enumerate(leaders) if k != index]
            fewest = _faults([start, end], avoidable, others, over)
            if not fewest:
                leader.corners = [start, end]
                continue
            corners = np.vstack([_grid(start[0], end[0], low, high, n) for n in (25, 41)])
            found = _bent_faults(
                np.asarray(start), corners, np.asarray(end), avoidable, others, over
            )
            size = np.abs(corners[:, 1] - start[1]) + np.abs(corners[:, 0] - start[0])
            best = int(np.lexsort((size, found))[0])
            if found[best] < fewest:
                leader.corners = [start, (float(corners[best, 0]), float(corners[best, 1])), end]


def _grid(left: float, right: float, low: float, high: float, count: int) -> np.ndarray:
    """Corners on ``count`` columns from ``left`` (short of ``right``) and twice as many rows
    from ``low`` to ``high``."""
    xs, ys = np.meshgrid(np.linspace(left, right, count)[:-1], np.linspace(low, high, 2 * count))
    return np.column_stack([xs.ravel(), ys.ravel()])


def _bent_faults(
    start: np.ndarray,
    corners: np.ndarray,
    end: np.ndarray,
    dots: list[np.ndarray],
    others: list[list[Point]],
    over: float,
) -> np.ndarray:
    """``_faults`` of the leaders from ``start`` through each of ``corners`` to ``end``."""
    firsts = (np.broadcast_to(start, corners.shape), corners)
    seconds = (corners, np.broadcast_to(end, corners.shape))
    found = np.zeros(len(corners), dtype=int)
    for dot in dots:
        near = _distances(dot, *firsts) < over
        found += near | (_distances(dot, *seconds) < over)
    for other in others:
        crossed = np.zeros(len(corners), dtype=bool)
        for c, d in itertools.pairwise(other):
            for a, b in (firsts, seconds):
                crossed |= _crossed(a, b, np.asarray(c), np.asarray(d))
        found += crossed
    return found


def _distances(dot: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """From ``dot`` to each segment from a row of ``a`` to the same row of ``b``."""
    run = b - a
    length2 = np.maximum((run**2).sum(axis=1), 1e-12)
    share = np.clip(((dot - a) * run).sum(axis=1) / length2, 0.0, 1.0)
    return np.asarray(np.linalg.norm(dot - (a + share[:, None] * run), axis=1))


def _crossed(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Whether each segment from a row of ``a`` to the same row of ``b`` crosses cd."""

    def side(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.asarray((q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1])
                          - (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0]))  # fmt: skip

    return np.asarray((side(a, b, c) * side(a, b, d) < 0) & (side(c, d, a) * side(c, d, b) < 0))


def _faults(
    corners: list[Point], dots: list[np.ndarray], others: list[list[Point]], over: float
) -> int:
    """How many of ``dots`` a leader along ``corners`` passes within ``over`` of, and how many
    of the ``others`` it crosses."""
    passed = sum(_near(dot, corners, over) for dot in dots)
    return passed + sum(_crossing(corners, other) for other in others)


def _near(dot: np.ndarray, corners: list[Point], within: float) -> bool:
    for a, b in itertools.pairwise(corners):
        start, run = np.asarray(a), np.asarray(b) - np.asarray(a)
        share = np.clip(np.dot(dot - start, run) / max(float(np.dot(run, run)), 1e-12), 0, 1)
        if float(np.linalg.norm(dot - (start + share * run))) < within:
            return True
    return False


def _crossing(one: list[Point], other: list[Point]) -> bool:
    return any(
        crosses(a, b, c, d)
        for a, b in itertools.pairwise(one)
        for c, d in itertools.pairwise(other)
    )


def crosses(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Whether segments ab and cd cross at a point inside both (touching ends do not)."""

    def side(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def _first_orders(
    dots: np.ndarray,
    starts: list[Point],
    x: float,
    gap: float,
    bounds: tuple[float, float],
    upwards: bool = True,
) -> list[list[int]]:
    """Orders (top to bottom) to start from: the ends' heights, the nearer end of two at one
    height first; and the ends in bands of about one height (ends less than ``gap`` apart),
    each band fanned out both ways: its farthest end's label at its top, the next farthest's
    at its bottom, and so on inwards, so that each leader clears the nearer ends of its band;
    and the ends as seen from points of the label column (leaders all drawn to one point do
    not cross: spread about it, they seldom do)."""
    count = len(dots)
    by_height = sorted(range(count), key=lambda i: (-dots[i, 1], -dots[i, 0]))
    bands: list[list[int]] = []
    for index in by_height:
        if bands and dots[bands[-1][-1], 1] - dots[index, 1] < gap:
            bands[-1].append(index)
        else:
            bands.append([index])
    fanned = []
    for band in bands:
        farthest_first = sorted(band, key=lambda i: dots[i, 0])
        top, bottom = farthest_first[0::2], farthest_first[1::2]
        fanned += top + bottom[::-1]
    orders = [by_height, fanned, ends_order(dots, gap, upwards)]
    for height in np.linspace(bounds[0], bounds[1], 7):
        slopes = [(height - sy) / max(x - sx, 1e-9) for sx, sy in starts]
        orders.append(sorted(range(count), key=lambda i: slopes[i]))
    return orders


def ends_order(dots: np.ndarray, gap: float, upwards: bool = True) -> list[int]:
    """The ends, top to bottom, as their labels are ordered: by height, and those in a band of
    about one height (each less than a quarter of ``gap`` below the one above: a difference
    the eye hardly sees beside the labels' spacing) the farthest from the labels first when
    their leaders fan ``upwards`` (last when down), so that none crosses another."""
    by_height = sorted(range(len(dots)), key=lambda i: (-dots[i, 1], -dots[i, 0]))
    bands: list[list[int]] = []
    for index in by_height:
        if bands and dots[bands[-1][-1], 1] - dots[index, 1] < gap * ONE_HEIGHT:
            bands[-1].append(index)
        else:
            bands.append([index])
    return [
        i for band in bands for i in sorted(band, key=lambda i: dots[i, 0] * (1 if upwards else -1))
    ]


def _moves(order: list[int]) -> list[list[int]]:
    """The orders one step from ``order``: a label moved to another place, or two swapped."""
    count = len(order)
    found = []
    for a in range(count):
        rest = order[:a] + order[a + 1 :]
        found += [rest[:b] + [order[a]] + rest[b:] for b in range(count) if b != a]
        for b in range(a + 2, count):  # neighbours' swaps are moves
            swapped = list(order)
            swapped[a], swapped[b] = swapped[b], swapped[a]
            found.append(swapped)
    return found


class _Placer:
    """The best heights for a given order of labels (top to bottom), by dynamic programming
    over the heights a label may take, each one STEP apart."""

    def __init__(
        self,
        dots: np.ndarray,
        starts: np.ndarray,
        x: float,
        gap: float,
        bounds: tuple[float, float],
    ) -> None:
        self.dots, self.starts, self.x = dots, starts, x
        low, high = bounds
        count = len(dots)
        self.grid = np.arange(low, max(low, high) + STEP / 2, STEP)
        # labels that do not fit at ``gap`` apart are packed evenly, closer
        most = (len(self.grid) - 1) // max(1, count - 1)
        self.gap_steps = min(int(np.ceil(gap / STEP - 1e-9)), most)
        self.penalty = np.zeros((count, len(self.grid)))  # conflicts whatever the order
        # [i, j, g]: +1 where leader i at height g passes above start j, -1 below (0: not
        # judged: j is not nearer the labels than i); crossings follow from the order
        self.side = np.zeros((count, count, len(self.grid)))
        self.above_by = np.zeros((count, count))  # order_ends sets it

    def order_ends(self, order: list[int]) -> None:
        """The order of the ends (top to bottom) that labels keep unless a conflict needs it
        changed: a pair out of it costs as much as its ends are apart in height (never less
        than BAND_ORDER)."""
        count = len(order)
        heights = self.dots[:, 1]
        rank = np.empty(count, dtype=int)
        rank[order] = np.arange(count)
        before = rank[:, None] < rank[None, :]
        apart = np.maximum(np.abs(heights[:, None] - heights[None, :]), BAND_ORDER)
        self.above_by = np.where(before, apart, 0.0)

    def judge_leaders(
        self, clearance: float, over: float, touching: float, over_cost: float
    ) -> None:
        """What each leader, at each height, passes over (dots within ``over`` of it, and
        within ``clearance``, but those nearer its own dot than ``touching``) and which side
        of each other start it goes."""
        count = len(self.dots)
        apart = np.linalg.norm(self.dots[:, None, :] - self.dots[None, :, :], axis=2)
        for i in range(count):
            start = self.starts[i]
            run = np.stack([np.full(len(self.grid), self.x - start[0]), self.grid - start[1]], 1)
            to_dots = self.dots - start
            length2 = np.maximum((run**2).sum(axis=1), 1e-12)
            share = np.clip(run @ to_dots.T / length2[:, None], 0.0, 1.0)  # [height, j]
            off = to_dots[None, :, :] - share[..., None] * run[:, None, :]
            distance = np.linalg.norm(off, axis=2)
            avoidable = (apart[i] > touching)[None, :]
            # a leader over a dot is bent past it afterwards: worth it where the straight way
            # clear of the dot would send the label far from the column
            self.penalty[i] = ((distance < over) & avoidable).sum(axis=1) * over_cost
            # the nearer, the worse: a leader close beside a dot is a small fault, so a label is
            # nudged a little to clear it, never sent far away
            near = np.clip((clearance - distance) / max(clearance - over, 1e-9), 0.0, 1.0)
            self.penalty[i] += (near * (distance >= over) * avoidable).sum(axis=1) * NEAR_COST
            # two leaders end on one vertical line: they cross where the farther one's label
            # is on the other side of the nearer one's start than its leader is there
            span = max(self.x - start[0], 1e-9)
            for j in range(count):
                other = self.starts[j]
                if j == i or other[0] < start[0]:
                    continue
                share_j = min(1.0, (other[0] - start[0]) / span)
                passes_above = start[1] + (self.grid - start[1]) * share_j > other[1]
                self.side[i, j] = np.where(passes_above, 1.0, -1.0)
        # leader i crosses leader j when it passes above j's start with its label under j's,
        # or below with its label over: counted, for a given order, as what passes above
        # (when every label is under) plus, for each label over, the other side's change
        self.above_count = (self.side > 0).sum(axis=1)
        # what a label at each height costs whatever the order: its distance from its end's
        # height, the dots its leader passes
        self.fixed = (self.grid[None, :] - self.dots[:, 1][:, None]) ** 2 + self.penalty

    def step(self, height: float) -> int:
        return int(np.argmin(np.abs(self.grid - height)))

    def costs(self, orders: np.ndarray) -> np.ndarray:
        """The cost of each order (a row: run indices, top to bottom), as ``place`` finds it."""
        many, count = orders.shape
        rows = np.arange(many)[:, None]
        rank = np.empty_like(orders)
        rank[rows, orders] = np.arange(count)[None, :]
        higher = rank[:, :, None] < rank[:, None, :]  # [m, i, j]: i's label over j's
        turned = np.einsum("mij,ijg->mig", higher.astype(float), self.side, optimize=True)
        crossed = self.above_count[None] - turned
        label_costs = self.fixed[None] + crossed * CONFLICT_COST  # [m, i, g]
        every = np.arange(many)
        best = label_costs[every, orders[:, 0]]
        size = len(self.grid)
        for k in range(1, count):
            above = np.minimum.accumulate(best[:, ::-1], axis=1)[:, ::-1]
            shifted = np.full((many, size), np.inf)
            if self.gap_steps < size:
                shifted[:, : size - self.gap_steps] = above[:, self.gap_steps :]
            best = label_costs[every, orders[:, k]] + shifted
        disorder = (self.above_by[None] * ~higher).sum(axis=(1, 2))
        return np.asarray(best.min(axis=1) + ORDER_COST * disorder, float)

    def place(self, order: list[int]) -> tuple[float, list[float]]:
        """The cost of ``order`` and its labels' heights (in the order of the dots)."""
        count = len(order)
        rank = np.empty(count, dtype=int)
        rank[order] = np.arange(count)
        higher = rank[:, None] < rank[None, :]  # [i, j]: i's label over j's
        # over j: crossing where i passes below j's start (side -1); under: where above (+1)
        crossed = self.above_count - np.einsum("ij,ijg->ig", higher.astype(float), self.side)
        costs = self.fixed + crossed * CONFLICT_COST
        # best[k][g]: the least cost of the first k + 1 labels with the (k+1)-th at height g
        best = [costs[order[0]]]
        for index in order[1:]:
            above = np.minimum.accumulate(best[-1][::-1])[::-1]  # the best at g or higher
            shifted = np.full(len(self.grid), np.inf)
            if self.gap_steps < len(self.grid):
                shifted[: len(self.grid) - self.gap_steps] = above[self.gap_steps :]
            best.append(costs[index] + shifted)
        placed = [0.0] * count
        limit = len(self.grid)
        placed_step = -self.gap_steps  # the lowest label may take any height
        for k in range(count - 1, -1, -1):
            # the lowest label first, then each one above it, at least the gap higher
            low_end = min(limit, placed_step + self.gap_steps)
            window = best[k][low_end:]
            if not len(window) or not np.isfinite(window).any():
                window, low_end = best[k], 0
            placed_step = low_end + int(np.argmin(window))
            placed[order[k]] = float(self.grid[placed_step])
        total = float(np.min(best[-1])) + ORDER_COST * float((self.above_by * ~higher).sum())
        return total, placed
