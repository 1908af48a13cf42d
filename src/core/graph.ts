/** Small graph helpers shared by config validation and the planner. */

/**
 * Returns one cycle as a list of node names (first repeated at the end), or undefined.
 * Iterative (an explicit stack, not recursion): a chain of thousands of components must be
 * judged, not overflow the call stack.
 */
export function findCycle(
  nodes: Iterable<string>,
  edges: (node: string) => Iterable<string>,
): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  for (const root of nodes) {
    if (state.has(root)) continue;
    // The current path and, per node on it, the iterator over its remaining edges.
    const path: string[] = [root];
    const pending: Iterator<string>[] = [edges(root)[Symbol.iterator]()];
    state.set(root, "visiting");
    while (path.length > 0) {
      const next = pending[pending.length - 1]?.next();
      if (next === undefined || next.done) {
        state.set(path.pop() ?? "", "done");
        pending.pop();
        continue;
      }
      const m = next.value;
      const s = state.get(m);
      if (s === "visiting") return [...path.slice(path.indexOf(m)), m];
      if (s === undefined) {
        state.set(m, "visiting");
        path.push(m);
        pending.push(edges(m)[Symbol.iterator]());
      }
    }
  }
  return undefined;
}
