import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { Job, type IJob } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ConfigMap,
  Namespace,
  Service,
  ServiceAccount,
  type IConfigMap,
  type IContainer,
  type IPodSpec,
  type IService,
  type IServiceAccount,
} from 'kubernetes-models/v1';

/**
 * Checks the manifests under `dir` (deploy/): every YAML document is validated against its kind's
 * Kubernetes schema (kubernetes-models: the API's OpenAPI schemas compiled for ajv, no network), then
 * against the project's rules. Returns the problems found, one line each; none means it passes.
 */
export async function checkManifests(dir: string): Promise<string[]> {
  const problems: string[] = [];
  const documents = await loadDocuments(dir, problems);
  validateSchemas(documents, problems);
  if (problems.length > 0) return problems;
  checkRules(documents, problems);
  return problems;
}

type Manifest = { readonly file: string; readonly text: string; readonly object: Record<string, unknown> };

/** What the manifests may leave for envsubst (README, "Build and deploy"); anything else is a mistake. */
export const PLACEHOLDERS = ['AWS_ACCOUNT_ID', 'AWS_REGION', 'IMAGE_TAG'] as const;
const ECR_IMAGE = '${AWS_ACCOUNT_ID}.dkr.ecr.${AWS_REGION}.amazonaws.com/booking-ledger:${IMAGE_TAG}';
const NAMESPACE = 'booking-ledger';
/** Variables whose values are secrets (docs/API.md, "Configuration"): never a literal in a manifest. */
const SECRET_NAME = /(DATABASE_URL|SECRET|TOKEN|PASSWORD|PRIVATE|SIGNING_KEY|API_KEY|ACCESS_KEY)/;
const NOT_SECRET = new Set(['AWS_SECRETS_ID', 'AWS_KMS_KEY_ID']);
/** Shapes of secret values that must never appear in the text at all. */
const SECRET_TEXT: readonly (readonly [RegExp, string])[] = [
  [/postgres(ql)?:\/\/[^\s:/@]+:[^\s@]+@/, 'a database URL with a password'],
  [/\b(sk|rk)_(live|test)_[0-9A-Za-z]+/, 'a Stripe key'],
  [/\bwhsec_[0-9A-Za-z]+/, 'a Stripe webhook secret'],
  [/\bAPP_USR-[0-9A-Za-z-]+/, 'a Mercado Pago access token'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
];

const MODELS: Readonly<Record<string, { validate(object: Record<string, unknown>): void }>> = {
  'v1/Namespace': { validate: (object) => new Namespace(object).validate() },
  'v1/ServiceAccount': { validate: (object) => new ServiceAccount(object).validate() },
  'v1/ConfigMap': { validate: (object) => new ConfigMap(object).validate() },
  'v1/Service': { validate: (object) => new Service(object).validate() },
  'apps/v1/Deployment': { validate: (object) => new Deployment(object).validate() },
  'batch/v1/Job': { validate: (object) => new Job(object).validate() },
  'policy/v1/PodDisruptionBudget': { validate: (object) => new PodDisruptionBudget(object).validate() },
};
const KUSTOMIZATION = 'kustomize.config.k8s.io/v1beta1/Kustomization';

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

async function loadDocuments(dir: string, problems: string[]): Promise<Manifest[]> {
  const manifests: Manifest[] = [];
  const files = await yamlFiles(dir);
  if (files.length === 0) problems.push(`no YAML files under ${dir}`);
  for (const absolute of files) {
    const file = path.relative(dir, absolute);
    const text = await readFile(absolute, 'utf8');
    for (const [shape, what] of SECRET_TEXT) {
      if (shape.test(text)) problems.push(`${file}: contains ${what}`);
    }
    for (const match of text.matchAll(/\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
      if (!(PLACEHOLDERS as readonly string[]).includes(match[1] ?? match[2] ?? '')) {
        problems.push(`${file}: unknown placeholder ${match[0]} (allowed: ${PLACEHOLDERS.join(', ')})`);
      }
    }
    for (const document of parseAllDocuments(text)) {
      if (document.errors.length > 0) {
        problems.push(`${file}: YAML: ${document.errors.map((error) => error.message).join('; ')}`);
        continue;
      }
      const object: unknown = document.toJS();
      if (object === null || object === undefined) continue;
      if (typeof object !== 'object' || Array.isArray(object)) {
        problems.push(`${file}: a document that is not a mapping`);
        continue;
      }
      manifests.push({ file, text, object: object as Record<string, unknown> });
    }
  }
  return manifests;
}

function typeOf(manifest: Manifest): string {
  return `${String(manifest.object.apiVersion)}/${String(manifest.object.kind)}`;
}

function validateSchemas(manifests: readonly Manifest[], problems: string[]): void {
  for (const manifest of manifests) {
    const type = typeOf(manifest);
    if (type === KUSTOMIZATION) continue;
    const model = MODELS[type];
    if (model === undefined) {
      problems.push(`${manifest.file}: no schema for ${type} (a kind these manifests are not meant to hold)`);
      continue;
    }
    try {
      model.validate(manifest.object);
    } catch (error) {
      problems.push(`${manifest.file}: ${type} does not match the Kubernetes schema: ${(error as Error).message}`);
    }
  }
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the manifests' kind is what vouches for T: a typed view, asserted once here
function ofType<T>(manifests: readonly Manifest[], type: string): { file: string; object: T }[] {
  return manifests.filter((manifest) => typeOf(manifest) === type).map(({ file, object }) => ({ file, object: object as T }));
}

function labelsMatch(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const wanted = Object.entries(selector ?? {});
  return wanted.length > 0 && wanted.every(([key, value]) => labels?.[key] === value);
}

function checkRules(manifests: readonly Manifest[], problems: string[]): void {
  const kustomizations = ofType<{ resources?: string[] }>(manifests, KUSTOMIZATION);
  const deployments = ofType<IDeployment>(manifests, 'apps/v1/Deployment');
  const jobs = ofType<IJob>(manifests, 'batch/v1/Job');
  const budgets = ofType<IPodDisruptionBudget>(manifests, 'policy/v1/PodDisruptionBudget');
  const services = ofType<IService>(manifests, 'v1/Service');
  const accounts = ofType<IServiceAccount>(manifests, 'v1/ServiceAccount');
  const configMaps = ofType<IConfigMap>(manifests, 'v1/ConfigMap');

  // kustomization.yaml names every manifest file, and only files that exist.
  const files = new Set(manifests.filter((manifest) => typeOf(manifest) !== KUSTOMIZATION).map((manifest) => manifest.file));
  if (kustomizations.length !== 1) problems.push(`expected one kustomization.yaml, found ${kustomizations.length}`);
  for (const { file, object } of kustomizations) {
    const listed = new Set(object.resources ?? []);
    for (const resource of listed) if (!files.has(resource)) problems.push(`${file}: resource ${resource} is not a manifest here`);
    for (const manifestFile of files) if (!listed.has(manifestFile)) problems.push(`${file}: does not list ${manifestFile}`);
  }

  for (const manifest of manifests) {
    if (typeOf(manifest) === KUSTOMIZATION || typeOf(manifest) === 'v1/Namespace') continue;
    const metadata = manifest.object.metadata as { namespace?: string } | undefined;
    if (metadata?.namespace !== NAMESPACE) problems.push(`${manifest.file}: namespace is not ${NAMESPACE}`);
  }

  const [deployment, ...moreDeployments] = deployments;
  if (deployment === undefined || moreDeployments.length > 0) {
    problems.push(`expected one Deployment, found ${deployments.length}`);
    return;
  }
  const { file } = deployment;
  const spec = deployment.object.spec;
  const podLabels = spec?.template.metadata?.labels;
  if (spec?.replicas !== 3) problems.push(`${file}: replicas is ${String(spec?.replicas)}, not 3`);
  if (!labelsMatch(spec?.selector.matchLabels, podLabels)) problems.push(`${file}: the selector does not match the pod labels`);
  const pod = spec?.template.spec;
  const server = pod?.containers.find((container) => container.name === 'server') ?? pod?.containers[0];
  if (pod === undefined || server === undefined) {
    problems.push(`${file}: no server container`);
    return;
  }
  checkPod(file, pod, problems);
  if (server.image !== ECR_IMAGE) problems.push(`${file}: image is ${String(server.image)}, not ${ECR_IMAGE}`);
  if (server.command?.join(' ') !== 'node dist/src/cli.js serve')
    problems.push(`${file}: the server does not run node dist/src/cli.js serve`);
  const ports = new Map((server.ports ?? []).map((port) => [port.name, port.containerPort]));
  const probe = (name: 'readinessProbe' | 'livenessProbe', expectedPath: string): void => {
    const httpGet = server[name]?.httpGet;
    if (httpGet?.path !== expectedPath) problems.push(`${file}: ${name} is not GET ${expectedPath}`);
    const port = typeof httpGet?.port === 'string' ? ports.get(httpGet.port) : httpGet?.port;
    if (port !== 3000) problems.push(`${file}: ${name} does not probe the server's port 3000`);
  };
  probe('readinessProbe', '/readyz');
  probe('livenessProbe', '/livez');
  const startup = server.startupProbe?.httpGet?.path;
  if (startup !== undefined && startup !== '/livez') problems.push(`${file}: startupProbe is not GET /livez`);
  // The server stops within 10 s of SIGTERM (docs/API.md, "Health"); preStop runs before SIGTERM.
  const preStop = server.lifecycle?.preStop?.exec?.command;
  const sleepSeconds = preStop?.[0] === 'sleep' ? Number(preStop[1]) : Number.NaN;
  if (!(sleepSeconds > 0)) problems.push(`${file}: no preStop sleep to let the load balancer drain`);
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  if (grace < 15 || !(grace >= sleepSeconds + 10)) {
    problems.push(`${file}: terminationGracePeriodSeconds ${grace} does not cover the preStop sleep plus the 10 s shutdown`);
  }
  if (!server.resources?.requests?.cpu || !server.resources.requests.memory || !server.resources.limits?.memory) {
    problems.push(`${file}: the server has no CPU and memory requests and a memory limit`);
  }
  if (!secretRefFor(server, 'DATABASE_URL')) problems.push(`${file}: DATABASE_URL does not come from a Secret`);

  for (const budget of budgets) {
    const budgetSpec = budget.object.spec;
    if (!labelsMatch(budgetSpec?.selector?.matchLabels, podLabels)) {
      problems.push(`${budget.file}: the PodDisruptionBudget's selector does not match the Deployment's pods`);
    }
    const minAvailable = budgetSpec?.minAvailable;
    const maxUnavailable = budgetSpec?.maxUnavailable;
    const ok = (minAvailable === 2 && maxUnavailable === undefined) || (maxUnavailable === 1 && minAvailable === undefined);
    if (!ok) problems.push(`${budget.file}: expected minAvailable 2 or maxUnavailable 1`);
  }
  if (budgets.length !== 1) problems.push(`expected one PodDisruptionBudget, found ${budgets.length}`);

  for (const service of services) {
    if (!labelsMatch(service.object.spec?.selector, podLabels))
      problems.push(`${service.file}: the Service's selector does not match the Deployment's pods`);
    for (const port of service.object.spec?.ports ?? []) {
      const target = typeof port.targetPort === 'string' ? ports.get(port.targetPort) : port.targetPort;
      if (target !== 3000) problems.push(`${service.file}: port ${port.port} does not reach the server's port 3000`);
    }
  }
  if (services.length !== 1) problems.push(`expected one Service, found ${services.length}`);

  const [job, ...moreJobs] = jobs;
  if (job === undefined || moreJobs.length > 0) {
    problems.push(`expected one migration Job, found ${jobs.length}`);
  } else {
    const jobPod = job.object.spec?.template.spec;
    const migrate = jobPod?.containers[0];
    if (jobPod === undefined || migrate === undefined) {
      problems.push(`${job.file}: no container`);
    } else {
      checkPod(job.file, jobPod, problems);
      if (migrate.image !== ECR_IMAGE) problems.push(`${job.file}: image is ${String(migrate.image)}, not ${ECR_IMAGE}`);
      if (migrate.command?.join(' ') !== 'node dist/src/cli.js migrate')
        problems.push(`${job.file}: the Job does not run node dist/src/cli.js migrate`);
      if (!secretRefFor(migrate, 'MIGRATION_DATABASE_URL'))
        problems.push(`${job.file}: MIGRATION_DATABASE_URL does not come from a Secret`);
      if (jobPod.restartPolicy !== 'Never' && jobPod.restartPolicy !== 'OnFailure')
        problems.push(`${job.file}: restartPolicy must be Never or OnFailure`);
    }
    if (!job.object.metadata?.name?.includes('${IMAGE_TAG}'))
      problems.push(`${job.file}: the Job's name does not carry the image tag (Jobs are immutable)`);
  }

  // IRSA: the pods' service account carries the IAM role that may read the Secrets Manager secret.
  const accountNames = new Set(accounts.map(({ object }) => object.metadata?.name));
  for (const account of accounts) {
    const role = account.object.metadata?.annotations?.['eks.amazonaws.com/role-arn'];
    if (!role?.startsWith('arn:aws:iam::${AWS_ACCOUNT_ID}:role/')) problems.push(`${account.file}: no IRSA role annotation`);
  }
  for (const { file: podFile, pod: podSpec } of [
    { file, pod },
    ...(job?.object.spec ? [{ file: job.file, pod: job.object.spec.template.spec }] : []),
  ]) {
    if (!accountNames.has(podSpec?.serviceAccountName)) problems.push(`${podFile}: the pods do not use the ServiceAccount defined here`);
  }

  // Settings: the ConfigMap the containers read holds AWS_SECRETS_ID, and no secret.
  const configNames = new Set(configMaps.map(({ object }) => object.metadata?.name));
  for (const container of [server, ...(job?.object.spec?.template.spec?.containers ?? [])]) {
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef !== undefined && !configNames.has(source.configMapRef.name)) {
        problems.push(`container ${container.name}: ConfigMap ${String(source.configMapRef.name)} is not defined here`);
      }
    }
  }
  for (const configMap of configMaps) {
    const data = configMap.object.data ?? {};
    if (data.AWS_SECRETS_ID === undefined) problems.push(`${configMap.file}: no AWS_SECRETS_ID`);
    for (const key of Object.keys(data)) {
      if (SECRET_NAME.test(key) && !NOT_SECRET.has(key))
        problems.push(`${configMap.file}: ${key} is a secret and must not be in a ConfigMap`);
    }
  }

  // No literal secret values: no Secret objects with data, no secret variable set by `value`.
  for (const manifest of manifests) {
    if (typeOf(manifest) === 'v1/Secret') problems.push(`${manifest.file}: a Secret's values must not be committed`);
  }
  for (const [podFile, containers] of [
    [file, pod.containers],
    ...(job?.object.spec ? [[job.file, job.object.spec.template.spec?.containers ?? []] as const] : []),
  ] as const) {
    for (const container of containers) {
      for (const variable of container.env ?? []) {
        if (SECRET_NAME.test(variable.name) && !NOT_SECRET.has(variable.name) && variable.value !== undefined) {
          problems.push(`${podFile}: ${variable.name} is set to a literal value; use a secretKeyRef`);
        }
      }
    }
  }
}

function secretRefFor(container: IContainer, name: string): boolean {
  const variable = container.env?.find((entry) => entry.name === name);
  return variable?.value === undefined && variable?.valueFrom?.secretKeyRef?.key === name;
}

/** What Pod Security's `restricted` level asks of every pod and container, plus a read-only root. */
function checkPod(file: string, pod: IPodSpec, problems: string[]): void {
  if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${file}: the pod does not set runAsNonRoot`);
  if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault')
    problems.push(`${file}: the pod's seccomp profile is not RuntimeDefault`);
  for (const container of pod.containers) {
    const context = container.securityContext;
    if (context?.allowPrivilegeEscalation !== false) problems.push(`${file}: ${container.name} may escalate privileges`);
    if (context?.readOnlyRootFilesystem !== true) problems.push(`${file}: ${container.name}'s root filesystem is writable`);
    if (!context?.capabilities?.drop?.includes('ALL')) problems.push(`${file}: ${container.name} does not drop all capabilities`);
  }
}
