"""pm4py's token-based replay, trace by trace, without its per-event scans of the whole net.

pm4py's ``token_replay.apply_trace`` looks up every enabled transition of the net at every event
(``enabled_transitions`` walks all transitions), builds string keys of the remaining trace for
caches that are off by default, and finishes each trace with a reachability search that the
fitness never uses. Designed marketing workflows are state machines with many silent steps, and
their logs have thousands of variants, so that overhead is most of pm4py's time.

This module replays with the same algorithm and pm4py's own helpers for the hard parts (silent
transitions that enable a visible one, reaching the final marking through silent transitions,
the shortest silent paths between places): only the lookup of the transition for an event goes
through a label index instead of a scan, and variants that share a prefix replay it once (the
replay of an event depends only on the marking and the event, so a prefix's state can be reused).
The per-trace numbers are pm4py's: ``tests/test_conformance.py`` compares every variant of the
real logs and the sample logs with ``pm4py``'s own replay, token for token.

Like the adapter, this is a module that may import pm4py (it needs pm4py's internals).
"""

from __future__ import annotations

import heapq
import warnings
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass, replace
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from pm4py.algo.conformance.tokenreplay.variants import token_replay as _tbr
    from pm4py.objects.petri_net import semantics as _semantics
    from pm4py.objects.petri_net.utils.petri_utils import get_places_shortest_path_by_hidden

_MAX_REC_DEPTH = _tbr.TechnicalParameters.MAX_REC_DEPTH.value
_MAX_IT_FINAL1 = _tbr.TechnicalParameters.MAX_IT_FINAL1.value
_MAX_IT_FINAL2 = _tbr.TechnicalParameters.MAX_IT_FINAL2.value


@dataclass
class _State:
    """The replay state after a prefix of a trace."""

    marking: Any
    missing: int
    consumed: int
    produced: int
    fired: list[str]
    deviations: tuple[tuple[str, str], ...] = ()  # (kind, activity), in the trace's order


def _enabled(t: Any, marking: Any) -> bool:
    return all(marking[arc.source] >= arc.weight for arc in t.in_arcs)


def _fire(t: Any, marking: Any) -> Any:
    out = copy(marking)
    for arc in t.in_arcs:
        out[arc.source] -= arc.weight
        if out[arc.source] == 0:
            del out[arc.source]
    for arc in t.out_arcs:
        out[arc.target] += arc.weight
    return out


def _tokens(t: Any) -> tuple[int, int]:
    return sum(a.weight for a in t.in_arcs), sum(a.weight for a in t.out_arcs)


class TokenReplayer:
    """Replays traces on one accepting Petri net the way ``pm4py`` token replay does."""

    def __init__(self, net: Any, initial_marking: Any, final_marking: Any) -> None:
        self.net, self.im, self.fm = net, initial_marking, final_marking
        self.paths = get_places_shortest_path_by_hidden(net, _MAX_REC_DEPTH)
        self.trans_map: dict[str, Any] = {}
        for t in sorted(net.transitions, key=lambda x: x.name):  # pm4py: last name wins
            self.trans_map[t.label] = t
        self.by_label: dict[str, list[Any]] = {}
        for t in net.transitions:
            if t.label is not None:
                self.by_label.setdefault(t.label, []).append(t)
        self.memo: dict[tuple[tuple[tuple[Any, int], ...], str], tuple] = {}
        self.end_memo: dict[tuple[tuple[Any, int], ...], tuple] = {}
        self.completions: dict[Any, tuple[str, ...]] = {}

    def _start(self) -> _State:
        return _State(copy(self.im), 0, 0, sum(self.im.values()), [])

    def _step(self, state: _State, activity: str) -> _State:
        """Replay one event; the outcome depends only on the marking and the activity, so it is
        computed once per (marking, activity) pair."""
        if activity not in self.trans_map:  # an activity the model does not know: pm4py skips it
            return replace(state, deviations=(*state.deviations, ("unexpected", activity)))
        key = (tuple(state.marking.items()), activity)
        outcome = self.memo.get(key)
        if outcome is None:
            outcome = self.memo[key] = self._event(state.marking, activity)
        marking, missing, consumed, produced, fired = outcome
        deviations = state.deviations
        if missing:  # fired without the tokens of the steps before it: not where the design puts it
            deviations = (*deviations, ("out_of_order", activity))
        return _State(
            marking,
            state.missing + missing,
            state.consumed + consumed,
            state.produced + produced,
            state.fired + fired,
            deviations,
        )

    def _event(self, marking: Any, activity: str) -> tuple[Any, int, int, int, list[str]]:
        """``apply_trace``'s loop body with pm4py's defaults, as differences to the counts."""
        marking = copy(marking)
        missing = consumed = produced = 0
        fired: list[str] = []
        candidates = [t for t in self.by_label[activity] if _enabled(t, marking)]
        if len(candidates) > 1:  # several enabled duplicates: pm4py takes the first of its set
            candidates = [
                x for x in _semantics.enabled_transitions(self.net, marking) if x.label == activity
            ]
        t = candidates[0] if candidates else self.trans_map[activity]
        if not _enabled(t, marking):
            _, marking, walked, _ = _tbr.apply_hidden_trans(
                t, self.net, copy(marking), self.paths, [], 0, set(), [], False
            )
            for hidden in walked:
                c, p = _tokens(hidden)
                consumed, produced = consumed + c, produced + p
                fired.append(hidden.name)
        if not _enabled(t, marking):
            m, _ = _tbr.add_missing_tokens(t, marking)
            missing += m
        c, p = _tokens(t)
        consumed, produced = consumed + c, produced + p
        if _enabled(t, marking):
            marking = _fire(t, marking)
            fired.append(t.name)
        return marking, missing, consumed, produced, fired

    def _finish(self, state: _State) -> dict[str, Any]:
        """The trace's result: the end of ``apply_trace`` (computed once per final marking)."""
        key = tuple(state.marking.items())
        end = self.end_memo.get(key)
        if end is None:
            end = self.end_memo[key] = self._end(state.marking)
        missing, consumed, remaining, produced, fired, next_steps = end
        missing += state.missing
        consumed += state.consumed
        produced += state.produced
        # pm4py's default counts remaining tokens, but not the final marking's missing ones
        is_fit = state.missing == 0 and remaining == 0
        if consumed > 0 and produced > 0:
            fitness = 0.5 * (1.0 - missing / consumed) + 0.5 * (1.0 - remaining / produced)
        else:
            fitness = 1.0
        return {
            "trace_is_fit": is_fit,
            "trace_fitness": float(fitness),
            "activated_transitions": state.fired + fired,
            "missing_tokens": int(missing),
            "consumed_tokens": int(consumed),
            "remaining_tokens": int(remaining),
            "produced_tokens": int(produced),
            # Mejora's reading of the replay: steps the model does not know, steps fired without
            # their tokens, and the design's next steps where a case stopped short of the end
            "deviations": [*state.deviations, *(("skipped", a) for a in next_steps)],
        }

    def _end(self, marking: Any) -> tuple[int, int, int, int, list[str], list[str]]:
        """Reach the final marking through silent transitions and count what is left
        (``apply_trace``'s end), as differences to the counts; with the labels of the visible
        steps that the tokens left over wait for (the design's next steps the case never did)."""
        marking = copy(marking)
        missing = consumed = produced = 0
        fired: list[str] = []
        fm = self.fm

        def fire(t: Any) -> None:
            nonlocal marking, consumed, produced
            marking = _fire(t, marking)
            fired.append(t.name)
            c, p = _tokens(t)
            consumed, produced = consumed + c, produced + p

        for _ in range(_MAX_IT_FINAL1):
            if _tbr.break_condition_final_marking(marking, fm):
                break
            groups = _tbr.get_req_transitions_for_final_marking(marking, fm, self.paths)
            for group in groups:
                for t in group:
                    if _enabled(t, marking):
                        fire(t)
                if _tbr.break_condition_final_marking(marking, fm):
                    break
        if not _tbr.break_condition_final_marking(marking, fm) and len(fm) == 1:
            sink = next(iter(fm))
            connections = sorted(
                (
                    [place, self.paths[place][sink]]
                    for place in marking
                    if place in self.paths and sink in self.paths[place]
                ),
                key=lambda x: len(x[1]),
            )
            for _ in range(_MAX_IT_FINAL2):
                for _place, path in connections:
                    for t in path:
                        if not _enabled(t, marking):
                            break
                        fire(t)
        remaining = 0
        for place in marking:
            if place in fm:
                remaining += max(0, marking[place] - fm[place])
            else:
                remaining += marking[place]
        for place in fm:
            missing += max(0, fm[place] - marking[place])
        consumed += sum(fm.values())
        return missing, consumed, remaining, produced, fired, self._waiting(marking)

    def _waiting(self, marking: Any) -> list[str]:
        """Labels of the visible steps on the shortest way (fewest visible steps, then by label)
        from each token left outside the final marking to the final marking: the design's
        steps the case stopped short of, as an alignment would name them."""
        labels: set[str] = set()
        for place in sorted((p for p in marking if marking[p] > self.fm.get(p, 0)), key=str):
            labels.update(self._completion(place))
        return sorted(labels)

    def _completion(self, start: Any) -> tuple[str, ...]:
        """The visible labels of the cheapest path from ``start`` to a place of the final
        marking (memoised per place)."""
        found = self.completions.get(start)
        if found is not None:
            return found
        best: dict[Any, tuple[int, tuple[str, ...]]] = {start: (0, ())}
        heap: list[tuple[int, tuple[str, ...], int, Any]] = [(0, (), 0, start)]
        order = 0
        result: tuple[str, ...] = ()
        while heap:
            cost, labels, _, place = heapq.heappop(heap)
            if place in self.fm:
                result = labels
                break
            if best.get(place, (cost, labels)) < (cost, labels):
                continue
            for arc in place.out_arcs:
                t = arc.target
                step = (str(t.label),) if t.label is not None else ()
                for out in t.out_arcs:
                    candidate = (cost + len(step), labels + step)
                    if out.target not in best or candidate < best[out.target]:
                        best[out.target] = candidate
                        order += 1
                        heapq.heappush(heap, (*candidate, order, out.target))
        self.completions[start] = result
        return result

    def replay(self, variants: Sequence[tuple[str, ...]]) -> list[dict[str, Any]]:
        """One result per variant, in order; shared prefixes are replayed once."""
        results: list[dict[str, Any]] = [{} for _ in variants]
        order = sorted(range(len(variants)), key=lambda i: variants[i])
        stack: list[tuple[tuple[str, ...], _State]] = [((), self._start())]
        for i in order:
            trace = variants[i]
            while len(stack) > 1 and trace[: len(stack[-1][0])] != stack[-1][0]:
                stack.pop()
            prefix, state = stack[-1]
            for k in range(len(prefix), len(trace)):
                state = self._step(state, trace[k])
                stack.append((trace[: k + 1], state))
            results[i] = self._finish(state)
        return results
