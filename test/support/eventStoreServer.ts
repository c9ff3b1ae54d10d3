import grpc from '@grpc/grpc-js';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import codePb from '@eventstore/db-client/generated/code_pb.js';
import featuresGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import featuresPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import statusPb from '@eventstore/db-client/generated/status_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';

/** One event as the loopback server keeps it: what a real server returns on a read. */
export type StoredEvent = {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
  readonly position: bigint;
};

export type EventStoreServer = {
  /** `esdb://127.0.0.1:PORT?tls=false`, for the real client. */
  readonly connectionString: string;
  /** Every stream, by name, in revision order: what the tests compare with the ledger. */
  readonly streams: Map<string, StoredEvent[]>;
  /** Append requests answered (success or not): counts repeats. */
  appendRequests(): number;
  /** Stops listening and drops open calls (a server that went away); the streams stay. */
  stop(): Promise<void>;
  /** Listens again on the same port, with the same streams. */
  start(): Promise<void>;
};

const { StreamsService } = streamsGrpc;
const { ServerFeaturesService } = featuresGrpc;

/**
 * A small in-memory EventStoreDB speaking the real gRPC protocol (the service definitions and
 * messages the client package ships), with the parts the mirror uses: server features, batch
 * append and append with expected revisions, and forward reads of one stream. `batchAppend: false`
 * plays a server that does not offer batch append: the client then appends with `Append`. It answers a wrong expected
 * revision the way the server does (a WrongExpectedVersion detail the client turns into its
 * WrongExpectedVersionError), so the client in the tests takes the same paths it takes in
 * production. Not implemented: $all, subscriptions, deletes, ACLs.
 */
export async function startEventStoreServer(options: { readonly batchAppend?: boolean } = {}): Promise<EventStoreServer> {
  const streams = new Map<string, StoredEvent[]>();
  let nextPosition = 1n;
  let appendRequests = 0;
  let port = 0;
  let server: grpc.Server | null = null;

  const append = (name: string, expected: Expected, proposed: readonly ProposedMessage[]) => {
    appendRequests += 1;
    const existing = streams.get(name) ?? [];
    const current = existing.length - 1;
    const matches =
      expected === 'any' ||
      (expected === 'no_stream' && existing.length === 0) ||
      (expected === 'stream_exists' && existing.length > 0) ||
      (typeof expected === 'bigint' && expected === BigInt(current));
    if (!matches) return { kind: 'wrong' as const, current, expected };
    for (const message of proposed) {
      const metadata = message.getMetadataMap();
      existing.push({
        id: sharedUuid(message.getId()),
        type: metadata.get('type') ?? '',
        contentType: metadata.get('content-type') ?? 'application/octet-stream',
        data: message.getData_asU8(),
        customMetadata: message.getCustomMetadata_asU8(),
        position: nextPosition++,
      });
    }
    streams.set(name, existing);
    return { kind: 'ok' as const, current: existing.length - 1, position: existing[existing.length - 1]?.position ?? 0n };
  };

  const batchAppend = (call: grpc.ServerDuplexStream<streamsPb.BatchAppendReq, streamsPb.BatchAppendResp>) => {
    // A client splits a large append over several requests with one correlation id; only the first has options.
    const pending = new Map<string, { options: streamsPb.BatchAppendReq.Options; messages: streamsPb.BatchAppendReq.ProposedMessage[] }>();
    call.on('data', (request: streamsPb.BatchAppendReq) => {
      const correlation = sharedUuid(request.getCorrelationId());
      const options = request.getOptions();
      const entry = pending.get(correlation) ?? (options ? { options, messages: [] } : undefined);
      if (!entry) {
        call.destroy(new Error(`batch append ${correlation} without options`));
        return;
      }
      entry.messages.push(...request.getProposedMessagesList());
      pending.set(correlation, entry);
      if (!request.getIsFinal()) return;
      pending.delete(correlation);
      const identifier = entry.options.getStreamIdentifier();
      const name = Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
      const outcome = append(name, expectedRevision(entry.options, entry.options.getStreamPosition()), entry.messages);
      const response = new streamsPb.BatchAppendResp();
      response.setCorrelationId(request.getCorrelationId());
      response.setStreamIdentifier(identifier);
      if (outcome.kind === 'ok') {
        const success = new streamsPb.BatchAppendResp.Success();
        success.setCurrentRevision(String(outcome.current));
        const position = new sharedPb.AllStreamPosition();
        position.setCommitPosition(String(outcome.position));
        position.setPreparePosition(String(outcome.position));
        success.setPosition(position);
        response.setSuccess(success);
      } else {
        response.setError(wrongExpectedVersion(outcome.current, outcome.expected));
      }
      call.write(response);
    });
    call.on('end', () => call.end());
  };

  // The older one-stream-per-call append, which the client uses against servers without batch append.
  const appendOne = (
    call: grpc.ServerReadableStream<streamsPb.AppendReq, streamsPb.AppendResp>,
    callback: grpc.sendUnaryData<streamsPb.AppendResp>,
  ) => {
    let options: streamsPb.AppendReq.Options | undefined;
    const messages: streamsPb.AppendReq.ProposedMessage[] = [];
    call.on('data', (request: streamsPb.AppendReq) => {
      if (request.hasOptions()) options = request.getOptions();
      else if (request.hasProposedMessage()) messages.push(request.getProposedMessage() as streamsPb.AppendReq.ProposedMessage);
    });
    call.on('end', () => {
      if (!options) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: 'an append starts with its options' });
        return;
      }
      const name = Buffer.from(options.getStreamIdentifier()?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
      const outcome = append(name, expectedRevision(options, options.getRevision()), messages);
      const response = new streamsPb.AppendResp();
      if (outcome.kind === 'ok') {
        const success = new streamsPb.AppendResp.Success();
        success.setCurrentRevision(String(outcome.current));
        const position = new streamsPb.AppendResp.Position();
        position.setCommitPosition(String(outcome.position));
        position.setPreparePosition(String(outcome.position));
        success.setPosition(position);
        response.setSuccess(success);
      } else {
        const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
        if (outcome.current < 0) wrong.setCurrentNoStream(new sharedPb.Empty());
        else wrong.setCurrentRevision(String(outcome.current));
        if (outcome.expected === 'no_stream') wrong.setExpectedNoStream(new sharedPb.Empty());
        else if (outcome.expected === 'stream_exists') wrong.setExpectedStreamExists(new sharedPb.Empty());
        else wrong.setExpectedRevision(String(outcome.expected));
        response.setWrongExpectedVersion(wrong);
      }
      callback(null, response);
    });
  };

  const read = (call: grpc.ServerWritableStream<streamsPb.ReadReq, streamsPb.ReadResp>) => {
    const options = call.request.getOptions();
    const streamOptions = options?.getStream();
    if (!options || !streamOptions || options.getReadDirection() !== streamsPb.ReadReq.Options.ReadDirection.FORWARDS) {
      call.destroy(Object.assign(new Error('only forward reads of one stream are implemented'), { code: grpc.status.UNIMPLEMENTED }));
      return;
    }
    const identifier = streamOptions.getStreamIdentifier();
    const name = Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
    const events = streams.get(name);
    if (!events) {
      const response = new streamsPb.ReadResp();
      const notFound = new streamsPb.ReadResp.StreamNotFound();
      notFound.setStreamIdentifier(identifier);
      response.setStreamNotFound(notFound);
      call.write(response);
      call.end();
      return;
    }
    const from = streamOptions.hasRevision() ? Number(streamOptions.getRevision()) : 0;
    const count = Number(options.getCount());
    events.slice(from, from + count).forEach((event, index) => {
      const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
      const id = new sharedPb.UUID();
      id.setString(event.id);
      recorded.setId(id);
      recorded.setStreamIdentifier(identifier);
      recorded.setStreamRevision(String(from + index));
      recorded.setCommitPosition(String(event.position));
      recorded.setPreparePosition(String(event.position));
      recorded.getMetadataMap().set('type', event.type).set('content-type', event.contentType).set('created', '0');
      recorded.setData(event.data);
      recorded.setCustomMetadata(event.customMetadata);
      const readEvent = new streamsPb.ReadResp.ReadEvent();
      readEvent.setEvent(recorded);
      readEvent.setCommitPosition(String(event.position));
      const response = new streamsPb.ReadResp();
      response.setEvent(readEvent);
      call.write(response);
    });
    call.end();
  };

  const getSupportedMethods = (
    _call: grpc.ServerUnaryCall<sharedPb.Empty, featuresPb.SupportedMethods>,
    callback: grpc.sendUnaryData<featuresPb.SupportedMethods>,
  ) => {
    const methods = new featuresPb.SupportedMethods();
    methods.setEventStoreServerVersion('24.10.0');
    for (const methodName of ['read', 'append', ...(options.batchAppend === false ? [] : ['batchappend'])]) {
      const method = new featuresPb.SupportedMethod();
      method.setServiceName('event_store.client.streams.streams');
      method.setMethodName(methodName);
      methods.addMethods(method);
    }
    callback(null, methods);
  };

  const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<never>) =>
    callback({ code: grpc.status.UNIMPLEMENTED, details: 'not implemented by the loopback server' });

  const start = async () => {
    const next = new grpc.Server();
    next.addService(StreamsService, { read, batchAppend, append: appendOne, delete: unimplemented, tombstone: unimplemented });
    next.addService(ServerFeaturesService, { getSupportedMethods });
    port = await new Promise<number>((resolve, reject) =>
      next.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    server = next;
  };

  await start();
  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    streams,
    appendRequests: () => appendRequests,
    start,
    async stop() {
      const running = server;
      server = null;
      running?.forceShutdown();
    },
  };
}

function sharedUuid(uuid: sharedPb.UUID | undefined): string {
  if (!uuid?.hasString()) throw new Error('the loopback server takes string UUIDs only (what the client sends)');
  return uuid.getString();
}

type Expected = 'any' | 'no_stream' | 'stream_exists' | bigint;

/** What both append requests' proposed messages have. */
type ProposedMessage = Pick<streamsPb.AppendReq.ProposedMessage, 'getId' | 'getMetadataMap' | 'getData_asU8' | 'getCustomMetadata_asU8'>;

function expectedRevision(options: { hasNoStream(): boolean; hasStreamExists(): boolean; hasAny(): boolean }, revision: string): Expected {
  if (options.hasNoStream()) return 'no_stream';
  if (options.hasStreamExists()) return 'stream_exists';
  if (options.hasAny()) return 'any';
  return BigInt(revision);
}

function wrongExpectedVersion(current: number, expected: Expected): statusPb.Status {
  const details = new sharedPb.WrongExpectedVersion();
  if (current < 0) details.setCurrentNoStream(new emptyPb.Empty());
  else details.setCurrentStreamRevision(String(current));
  if (expected === 'no_stream') details.setExpectedNoStream(new emptyPb.Empty());
  else if (expected === 'any') details.setExpectedAny(new emptyPb.Empty());
  else if (expected === 'stream_exists') details.setExpectedStreamExists(new emptyPb.Empty());
  else details.setExpectedStreamPosition(String(expected));
  const packed = new anyPb.Any();
  packed.pack(details.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  const status = new statusPb.Status();
  status.setCode(codePb.Code.FAILED_PRECONDITION);
  status.setMessage('WrongExpectedVersion');
  status.setDetails(packed);
  return status;
}
