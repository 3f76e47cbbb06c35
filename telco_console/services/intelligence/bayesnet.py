"""A small discrete Bayesian network in numpy: structure by hill climbing on the BIC score (add,
remove or reverse one edge at a time, at most MAX_PARENTS parents, no cycles), conditional
probability tables with a Laplace prior, and exact inference by enumerating the joint (the
networks here have under a dozen variables of two to four states: at most a few hundred thousand
cells). No I/O; numpy only."""
from __future__ import annotations

from dataclasses import dataclass, field
from math import log
from typing import Any

MAX_PARENTS = 2
ALPHA = 1.0          # Laplace pseudo-count per cell of a CPT
MAX_CELLS = 2_000_000


@dataclass
class Network:
    names: list[str]
    states: list[list[str]]
    parents: dict[int, tuple[int, ...]]
    cpts: dict[int, Any] = field(default_factory=dict)   # child -> array (*parent cards, child card)
    iterations: int = 0
    score: float = 0.0

    @property
    def cards(self) -> list[int]:
        return [len(s) for s in self.states]

    def edges(self) -> list[tuple[str, str]]:
        return sorted((self.names[p], self.names[c]) for c, ps in self.parents.items() for p in ps)

    def index(self, name: str) -> int:
        return self.names.index(name)


def encode(columns: dict[str, list[str]], states: dict[str, list[str]] | None = None) -> tuple:
    """(n x p int codes, names, states per column). `states` fixes the order of each column's values
    (e.g. the training data's, for a test set); a value not in it becomes -1."""
    import numpy as np

    names = list(columns)
    states = dict(states or {})
    out = []
    for name in names:
        values = [str(v) for v in columns[name]]
        if name not in states:
            states[name] = sorted(set(values))
        pos = {s: i for i, s in enumerate(states[name])}
        out.append([pos.get(v, -1) for v in values])
    return np.array(out, dtype=np.int64).T, names, [states[n] for n in names]


def _counts(codes, child: int, parents: tuple[int, ...], cards: list[int]):
    import numpy as np

    shape = [cards[p] for p in parents] + [cards[child]]
    flat = np.zeros(int(np.prod(shape)), dtype=float)
    idx = np.zeros(len(codes), dtype=np.int64)
    for p in parents:
        idx = idx * cards[p] + codes[:, p]
    idx = idx * cards[child] + codes[:, child]
    np.add.at(flat, idx, 1.0)
    return flat.reshape(shape)


def family_bic(codes, child: int, parents: tuple[int, ...], cards: list[int]) -> float:
    """Log-likelihood of the child given its parents (maximum likelihood) minus the BIC penalty."""
    import numpy as np

    n = len(codes)
    counts = _counts(codes, child, parents, cards)
    totals = counts.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = float(np.nansum(np.where(counts > 0, counts * np.log(counts / totals), 0.0)))
    free = (cards[child] - 1) * int(np.prod([cards[p] for p in parents])) if parents else cards[child] - 1
    return ll - 0.5 * log(max(n, 2)) * free


def _cyclic(parents: dict[int, tuple[int, ...]], p: int) -> bool:
    """Whether the graph has a cycle (depth-first search over parent links)."""
    state = [0] * p

    def visit(v) -> bool:
        state[v] = 1
        for u in parents.get(v, ()):
            if state[u] == 1 or (state[u] == 0 and visit(u)):
                return True
        state[v] = 2
        return False

    return any(state[v] == 0 and visit(v) for v in range(p))


def learn(codes, names: list[str], states: list[list[str]], max_parents: int = MAX_PARENTS,
          max_iter: int = 200) -> Network:
    """Greedy hill climbing on the total BIC from the empty graph; returns the fitted Network."""
    cards = [len(s) for s in states]
    p = len(names)
    parents: dict[int, tuple[int, ...]] = dict.fromkeys(range(p), ())
    cache: dict[tuple, float] = {}

    def score(child, ps) -> float:
        key = (child, tuple(sorted(ps)))
        if key not in cache:
            cache[key] = family_bic(codes, child, key[1], cards)
        return cache[key]

    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 -- read after the loop: the passes made
        best, move = 1e-9, None
        for a in range(p):
            for b in range(p):
                if a == b:
                    continue
                if a in parents[b]:
                    # remove a -> b
                    rest = tuple(x for x in parents[b] if x != a)
                    delta = score(b, rest) - score(b, parents[b])
                    if delta > best:
                        best, move = delta, ("remove", a, b)
                    # reverse a -> b into b -> a
                    if len(parents[a]) < max_parents:
                        trial = dict(parents)
                        trial[b] = rest
                        trial[a] = parents[a] + (b,)
                        if not _cyclic(trial, p):
                            delta = (score(b, rest) - score(b, parents[b])
                                     + score(a, trial[a]) - score(a, parents[a]))
                            if delta > best:
                                best, move = delta, ("reverse", a, b)
                elif b not in parents[a] and len(parents[b]) < max_parents:
                    trial = dict(parents)
                    trial[b] = parents[b] + (a,)
                    if not _cyclic(trial, p):
                        delta = score(b, trial[b]) - score(b, parents[b])
                        if delta > best:
                            best, move = delta, ("add", a, b)
        if move is None:
            break
        kind, a, b = move
        if kind == "add":
            parents[b] = parents[b] + (a,)
        elif kind == "remove":
            parents[b] = tuple(x for x in parents[b] if x != a)
        else:
            parents[b] = tuple(x for x in parents[b] if x != a)
            parents[a] = parents[a] + (b,)
    net = Network(names, states, {v: tuple(sorted(ps)) for v, ps in parents.items()}, iterations=iterations,
                  score=sum(score(v, ps) for v, ps in parents.items()))
    fit(net, codes)
    return net


def fit(net: Network, codes, alpha: float = ALPHA) -> Network:
    """Conditional probability tables: counts plus `alpha` per cell, normalised over the child."""
    for child, ps in net.parents.items():
        counts = _counts(codes, child, ps, net.cards) + alpha
        net.cpts[child] = counts / counts.sum(axis=-1, keepdims=True)
    return net


def joint(net: Network):
    """The full joint distribution, an array with one axis per variable (in net.names order)."""
    import numpy as np

    cards = net.cards
    if int(np.prod(cards)) > MAX_CELLS:
        raise ValueError("the network is too large to enumerate")
    out = np.ones(cards)
    for child, ps in net.parents.items():
        order = list(ps) + [child]
        shape = [1] * len(cards)
        for axis in order:
            shape[axis] = cards[axis]
        # the CPT's axes are (parents..., child); move them to the variables' own positions
        cpt = net.cpts[child]
        perm = sorted(range(len(order)), key=lambda i: order[i])
        out = out * np.transpose(cpt, perm).reshape(shape)
    return out


def conditional(net: Network, target: str, evidence: dict[str, str], table=None) -> list[float]:
    """P(target = each state | evidence), by summing the joint."""

    table = joint(net) if table is None else table
    index: list[Any] = [slice(None)] * len(net.names)
    for name, value in evidence.items():
        index[net.index(name)] = net.states[net.index(name)].index(value)
    sub = table[tuple(index)]
    # the axes left are the variables without evidence, in order; sum all but the target's
    left = [i for i, n in enumerate(net.names) if n not in evidence]
    t = left.index(net.index(target))
    marg = sub.sum(axis=tuple(i for i in range(len(left)) if i != t))
    return (marg / marg.sum()).tolist()


def predict(net: Network, codes, target: str, state: str):
    """P(target = state | every other variable) for each row of codes (a -1 code is unobserved:
    that row is scored from the full joint)."""
    import numpy as np

    t = net.index(target)
    s = net.states[t].index(state)
    out = np.empty(len(codes))
    table = None
    for i, row in enumerate(codes):
        if (row < 0).any():
            table = joint(net) if table is None else table
            ev = {net.names[j]: net.states[j][row[j]] for j in range(len(row)) if j != t and row[j] >= 0}
            out[i] = conditional(net, target, ev, table)[s]
            continue
        logp = np.zeros(net.cards[t])
        for v in range(net.cards[t]):
            x = row.copy()
            x[t] = v
            for child, ps in net.parents.items():
                logp[v] += np.log(net.cpts[child][tuple(x[list(ps)]) + (x[child],)])
        p = np.exp(logp - logp.max())
        out[i] = p[s] / p.sum()
    return out
