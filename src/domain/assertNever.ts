/** Makes a `switch` over a discriminated union fail to compile when a case is added and not handled. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
