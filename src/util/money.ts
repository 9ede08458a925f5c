// Dollar amounts: every sum is rounded to cents in one place, and shown one way.
export function roundCents(dollars: number): number {
  return Math.round(dollars * 100) / 100;
}

export function sumCosts(costs: Iterable<number>): number {
  let total = 0;
  for (const cost of costs) total += cost;
  return roundCents(total);
}

export function dollars(amount: number): string {
  return `$${amount.toFixed(2)}`;
}
