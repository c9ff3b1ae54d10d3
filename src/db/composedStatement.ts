import type { FragmentSqlToken, QuerySqlToken, ValueExpression } from 'slonik';

/**
 * A statement put together from fragments, composed by the `sql` tag once per shape.
 *
 * The tag re-reads a nested fragment's whole text at every level to renumber its placeholders, and
 * the commands' statements (a hold's claim-and-lock and its write set) are built from the same parts
 * on every request: composing them was most of the cost of building them. A fragment's text alone
 * decides how it composes (values only ever become placeholders), so the composed text is kept per
 * sequence of part texts, and later calls bind their parts' values to it, in order.
 *
 * That order is checked when a shape is first composed: the tag's values must be exactly the parts'
 * values, one after another. A `compose` that brings in anything else (a value of its own) fails the
 * check, and its shapes are then composed by the tag every time — slower, never wrong.
 */
export type Composition<T extends QuerySqlToken> = (parts: readonly FragmentSqlToken[]) => T;

/** Shapes one composition remembers; beyond it, the oldest is forgotten. */
const SHAPES_REMEMBERED = 256;

export function composition<T extends QuerySqlToken>(compose: (parts: readonly FragmentSqlToken[]) => T): Composition<T> {
  // null: this shape's values are not its parts' values in order, so it is never reused.
  const byShape = new Map<string, T | null>();
  return (parts) => {
    const first = parts[0];
    const shape = parts.length === 1 && first !== undefined ? first.sql : parts.map((part) => part.sql).join('\u0000');
    const known = byShape.get(shape);
    if (known === undefined) {
      const composed = compose(parts);
      if (byShape.size >= SHAPES_REMEMBERED) {
        const oldest = byShape.keys().next();
        if (!oldest.done) byShape.delete(oldest.value);
      }
      byShape.set(shape, valuesInOrder(composed.values, parts) ? composed : null);
      return composed;
    }
    if (known === null) return compose(parts);
    return { ...known, values: valuesOf(parts) };
  };
}

function valuesOf(parts: readonly FragmentSqlToken[]): ValueExpression[] {
  const values: ValueExpression[] = [];
  for (const part of parts) for (const value of part.values) values.push(value);
  return values;
}

function valuesInOrder(values: readonly ValueExpression[], parts: readonly FragmentSqlToken[]): boolean {
  let index = 0;
  for (const part of parts) {
    for (const value of part.values) {
      if (values[index] !== value) return false;
      index += 1;
    }
  }
  return index === values.length;
}
