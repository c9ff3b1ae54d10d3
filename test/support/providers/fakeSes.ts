import { randomUUID } from 'node:crypto';
import { type FakeRequest, startJsonServer } from './http.js';

export const SES_TEST_CREDENTIALS = { accessKeyId: 'AKIDLEDGERSESTEST', secretAccessKey: 'ses-test-secret' } as const;
export const SES_TEST_REGION = 'sa-east-1';

/** One `SendEmail` SES accepted, as its JSON body came (SES v2 REST-JSON), with the MessageId it answered. */
export type AcceptedEmail = {
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly tags: readonly { Name: string; Value: string }[];
  /** The SigV4 `Authorization` header: the real SDK signed the request. */
  readonly authorization: string;
};

type SendEmailBody = {
  FromEmailAddress: string;
  Destination: { ToAddresses: string[] };
  Content: { Simple: { Subject: { Data: string }; Body: { Html: { Data: string }; Text: { Data: string } } } };
  EmailTags?: { Name: string; Value: string }[];
};

export type FakeSes = {
  readonly url: string;
  /** Every SendEmail that reached the server, throttled ones included. */
  readonly requests: FakeRequest[];
  /** The e-mails SES accepted (answered 200 with a MessageId). */
  accepted(): readonly AcceptedEmail[];
  /** The next `count` SendEmail calls are refused as SES refuses a sender over its rate: 429 `TooManyRequestsException`. */
  throttleNext(count: number): void;
  /** The next SendEmail is refused 400 `MessageRejected` with this message (e.g. an unverified recipient in the sandbox). */
  rejectNext(message: string): void;
  /**
   * The next SendEmail gets no answer until the returned function is called, which answers it 400
   * `BadRequestException` (not retried by the SDK): a call whose worker hangs, then fails late.
   */
  stallNext(): { readonly arrived: Promise<void>; refuse(): void };
  close(): Promise<void>;
};

/**
 * An Amazon SES v2 double on a loopback port, speaking its REST-JSON wire format: `POST
 * /v2/email/outbound-emails` answers `{ "MessageId" }`, and throttling is a 429 with the
 * `x-amzn-ErrorType: TooManyRequestsException` header, as the SDK's error parser reads it.
 */
export async function startFakeSes(): Promise<FakeSes> {
  const requests: FakeRequest[] = [];
  const accepted: AcceptedEmail[] = [];
  let throttled = 0;
  let rejection: string | null = null;
  let stall: { arrived: () => void; answer: Promise<void> } | null = null;
  const server = await startJsonServer(async (request) => {
    if (request.method !== 'POST' || request.path !== '/v2/email/outbound-emails') {
      return {
        status: 404,
        body: { message: `no route ${request.method} ${request.path}` },
        headers: { 'x-amzn-errortype': 'NotFoundException' },
      };
    }
    requests.push(request);
    const authorization = request.headers.authorization ?? '';
    if (
      !authorization.startsWith(`AWS4-HMAC-SHA256 Credential=${SES_TEST_CREDENTIALS.accessKeyId}/`) ||
      !authorization.includes('/ses/aws4_request')
    ) {
      return {
        status: 403,
        body: { message: 'The security token included in the request is invalid.' },
        headers: { 'x-amzn-errortype': 'UnrecognizedClientException' },
      };
    }
    if (stall !== null) {
      const { arrived, answer } = stall;
      stall = null;
      arrived();
      await answer;
      return { status: 400, body: { message: 'refused late' }, headers: { 'x-amzn-errortype': 'BadRequestException' } };
    }
    if (rejection !== null) {
      const message = rejection;
      rejection = null;
      return { status: 400, body: { message }, headers: { 'x-amzn-errortype': 'MessageRejected' } };
    }
    if (throttled > 0) {
      throttled -= 1;
      return {
        status: 429,
        body: { message: 'Maximum sending rate exceeded.' },
        headers: { 'x-amzn-errortype': 'TooManyRequestsException' },
      };
    }
    const body = JSON.parse(request.body) as SendEmailBody;
    const messageId = `0100018c-${randomUUID()}-000000`;
    accepted.push({
      messageId,
      from: body.FromEmailAddress,
      to: body.Destination.ToAddresses,
      subject: body.Content.Simple.Subject.Data,
      html: body.Content.Simple.Body.Html.Data,
      text: body.Content.Simple.Body.Text.Data,
      tags: body.EmailTags ?? [],
      authorization,
    });
    return { status: 200, body: { MessageId: messageId } };
  });
  return {
    url: server.url,
    requests,
    accepted: () => [...accepted],
    throttleNext: (count) => {
      throttled = count;
    },
    rejectNext: (message) => {
      rejection = message;
    },
    stallNext: () => {
      let arrived: () => void = () => undefined;
      let refuse: () => void = () => undefined;
      const arrival = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const answer = new Promise<void>((resolve) => {
        refuse = resolve;
      });
      stall = { arrived, answer };
      return { arrived: arrival, refuse };
    },
    close: server.close,
  };
}
