"""Orderings of a graph: topological order, cycles, and Keras's layer order."""

from __future__ import annotations

from collections import defaultdict

from .model import Graph


def topological_order(graph: Graph) -> list[str]:
    """Node ids with every node after the nodes feeding it (insertion order breaks ties).
    Nodes on or behind a cycle are left out."""
    indegree = {nid: 0 for nid in graph.nodes}
    children = defaultdict(list)
    for e in graph.edges.values():
        indegree[e.dst] += 1
        children[e.src].append(e.dst)
    position = {nid: i for i, nid in enumerate(graph.nodes)}
    ready = [nid for nid, d in indegree.items() if d == 0]
    order = []
    while ready:
        ready.sort(key=position.__getitem__)
        nid = ready.pop(0)
        order.append(nid)
        for child in children[nid]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    return order


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected groups of more than one node (each contains a cycle)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    children = defaultdict(list)
    for e in graph.edges.values():
        children[e.src].append(e.dst)

    def visit(root):
        work = [(root, iter(children[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            child = next(it, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        n = stack.pop()
                        on_stack.discard(n)
                        group.append(n)
                        if n == node:
                            break
                    if len(group) > 1:
                        out.append(group[::-1])
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(children[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])

    for nid in graph.nodes:
        if nid not in index:
            visit(nid)
    return out


def keras_order(graph: Graph, outputs: list[str] | None = None) -> list[str]:
    """Node ids in the order Keras 3 lists a functional model's layers (and so its
    weights): by decreasing depth from the outputs, ties broken by the order a
    depth-first walk from the outputs first meets each layer (keras.src.ops.function.map_graph)."""
    outputs = outputs if outputs is not None else [n.id for n in graph.output_nodes()]
    first_seen: dict[str, int] = {}
    post_order: list[str] = []
    finished: set[str] = set()

    def walk(nid):
        if nid in finished:
            return
        first_seen.setdefault(nid, len(first_seen))
        work = [(nid, iter(graph.inputs_of(nid)))]
        while work:
            node, it = work[-1]
            parent = next(it, None)
            if parent is None:
                work.pop()
                finished.add(node)
                post_order.append(node)
            elif parent not in finished:
                first_seen.setdefault(parent, len(first_seen))
                work.append((parent, iter(graph.inputs_of(parent))))

    for out in outputs:
        walk(out)
    depth: dict[str, int] = {}
    for nid in reversed(post_order):
        d = depth.setdefault(nid, 0)
        for parent in graph.inputs_of(nid):
            depth[parent] = max(depth.get(parent, 0), d + 1)
    return sorted(post_order, key=lambda n: (-depth[n], first_seen[n]))
