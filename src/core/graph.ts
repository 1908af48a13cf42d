/** Small graph helpers shared by config validation and the planner. */

/** Returns one cycle as a list of node names (first repeated at the end), or undefined. */
export function findCycle(
  nodes: Iterable<string>,
  edges: (node: string) => Iterable<string>,
): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, "visiting");
    stack.push(n);
    for (const m of edges(n)) {
      const s = state.get(m);
      if (s === "visiting") return [...stack.slice(stack.indexOf(m)), m];
      if (s === undefined) {
        const found = visit(m);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(n, "done");
    return undefined;
  };
  for (const n of nodes) {
    if (!state.has(n)) {
      const found = visit(n);
      if (found) return found;
    }
  }
  return undefined;
}
