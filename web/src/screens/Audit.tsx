import { useState } from 'preact/hooks';
import { useApp } from '../context';
import { ErrorMessage } from '../load';

type VerifyReport = { ok: boolean; streams: number; events: number; brokenChains: unknown[]; projectionMismatches: unknown[] };

export function Audit() {
  const { t } = useApp();
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">{t('audit')}</h2>
      <Verify />
    </section>
  );
}

function Verify() {
  const { api, t } = useApp();
  const [report, setReport] = useState<VerifyReport | Error | null>(null);
  const [running, setRunning] = useState(false);
  async function run() {
    setRunning(true);
    try {
      setReport(await api.send<VerifyReport>('POST', '/audit/verify'));
    } catch (error) {
      setReport(error instanceof Error ? error : new Error(String(error)));
    } finally {
      setRunning(false);
    }
  }
  return (
    <section class="card" aria-labelledby="verify-title">
      <h3 id="verify-title">{t('verify')}</h3>
      <button type="button" class="primary" disabled={running} onClick={() => void run()}>
        {running ? t('loading') : t('verify')}
      </button>
      {report instanceof Error && <ErrorMessage error={report} />}
      {report !== null && !(report instanceof Error) && (
        <div role="status" class="verify-result">
          <p class={report.ok ? 'ok' : 'error'}>{report.ok ? t('verifyOk') : t('verifyFailed')}</p>
          <dl class="facts">
            <dt>{t('streams')}</dt>
            <dd>{report.streams}</dd>
            <dt>{t('events')}</dt>
            <dd>{report.events}</dd>
            <dt>{t('brokenChains')}</dt>
            <dd>{report.brokenChains.length === 0 ? '0' : report.brokenChains.map((c) => JSON.stringify(c)).join('; ')}</dd>
            <dt>{t('projectionMismatches')}</dt>
            <dd>{report.projectionMismatches.length === 0 ? '0' : report.projectionMismatches.map((m) => JSON.stringify(m)).join('; ')}</dd>
          </dl>
        </div>
      )}
    </section>
  );
}
