// Where two JSON values differ, as paths a person can read (`numeric[0].std: 1.5 vs 2`): for
// messages that must say what disagrees, not just that something does.

const show = (v: unknown): string => (v === undefined ? 'absent' : JSON.stringify(v));

/** Up to `max` differing paths of `a` and `b`, each `path: <a> vs <b>`; [] when they are equal as JSON. */
export function jsonDifferences(a: unknown, b: unknown, max = 5, path = ''): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, at: string): void => {
    if (out.length >= max) return;
    const bothArrays = Array.isArray(x) && Array.isArray(y);
    const bothObjects = !bothArrays && x !== null && y !== null && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y);
    if (bothArrays) {
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], `${at}[${i}]`);
    } else if (bothObjects) {
      const keys = [...new Set([...Object.keys(x as object), ...Object.keys(y as object)])].sort();
      for (const k of keys) walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
    } else if (JSON.stringify(x) !== JSON.stringify(y)) {
      out.push(`${at || '(the whole value)'}: ${show(x)} vs ${show(y)}`);
    }
  };
  walk(a, b, path);
  return out;
}
