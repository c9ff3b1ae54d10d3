/**
 * `ledger mirror`: the EventStoreDB/KurrentDB mirror the contract describes is not built. The command
 * exists so that scripts written against the contract fail loudly instead of with "unknown command".
 */
export async function run(): Promise<number> {
  console.error(
    'ledger mirror: the EventStoreDB mirror is not available in this version; EVENTSTORE_CONNECTION_STRING is not supported and nothing was mirrored or compared',
  );
  return 1;
}
