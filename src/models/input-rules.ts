// A model's input map (every registry's files have one): field name → the rule that fills it.

// The input field a model fills from a step's field (`from`), if it has one.
export function inputFor(input: Record<string, object>, from: string): string | undefined {
  return Object.entries(input).find(([, rule]) => (rule as { from?: string }).from === from)?.[0];
}
