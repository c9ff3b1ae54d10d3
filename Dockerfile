# syntax=docker/dockerfile:1
# booking-ledger: `docker build -t booking-ledger .`
#
# Production needs DATABASE_URL: the image runs with NODE_ENV=production, which refuses the embedded
# PostgreSQL (and dev identity) and fails fast unless DATABASE_URL, COGNITO_USER_POOL_ID,
# COGNITO_CLIENT_ID and the Stripe / Mercado Pago keys and webhook secrets are set — in the
# environment or in the AWS Secrets Manager secret named by AWS_SECRETS_ID. The server applies
# pending migrations itself on start.

# --- build: install exactly the lock file, type-check, then drop dev dependencies -------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY . .
RUN npx tsc --noEmit && npm prune --omit=dev

# --- runtime ---------------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# TypeScript runs through tsx (a runtime dependency): there is no separate compile output to copy.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/src ./src
COPY --from=build /app/projections ./projections
COPY --from=build /app/migrations ./migrations
# The files stay root-owned and read-only to the process; it runs as the image's unprivileged `node` user.
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/ledger.js", "serve"]
