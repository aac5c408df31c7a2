# syntax=docker/dockerfile:1
# The Media Tracker add-on image. The Supervisor builds it from this directory with BuildKit.
# The base is pinned here, in FROM: build.yaml and the BUILD_FROM argument are deprecated since
# Supervisor 2026.04, and a literal pin cannot be overridden with a floating `latest`.
# ghcr.io/home-assistant/base is a multi-arch image (amd64, aarch64) since 2026.03.1.
ARG BASE_IMAGE=ghcr.io/home-assistant/base:3.22-2026.06.1

# --- build: compile the tracker and the panel, then drop the dev dependencies ---------------
FROM ${BASE_IMAGE} AS build
RUN apk add --no-cache nodejs npm
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY frontend ./frontend
# The benchmark (bench/, built apart into dist-bench/) never reaches this stage.
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund

# --- release: Node, the built app and its production dependencies only ---------------------
FROM ${BASE_IMAGE}
RUN apk add --no-cache nodejs
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/frontend/dist ./frontend/dist

ARG BUILD_ARCH
ARG BUILD_VERSION
LABEL \
    io.hass.name="Media Tracker" \
    io.hass.type="addon" \
    io.hass.arch="${BUILD_ARCH}" \
    io.hass.version="${BUILD_VERSION}" \
    org.opencontainers.image.title="Media Tracker" \
    org.opencontainers.image.licenses="MIT"

ENV NODE_ENV=production

# The add-on runs as Home Assistant's add-ons do: the base image's entry point, s6-overlay's
# /init, is PID 1 (config.yaml sets `init: false`, so Docker adds no init of its own) and
# supervises one s6-rc longrun, rootfs/etc/s6-overlay/s6-rc.d/media-tracker: `run` execs
# `node /app/dist/main.js`, `finish` logs how Node ended, writes it to /data/last-exit.json and,
# on any exit but a clean stop, halts the container so the Supervisor's watchdog restarts it.
COPY rootfs /

# The stop budget, inside the Supervisor's stop timeout (config.yaml `timeout`: 30 s, then SIGKILL):
#   Node ends its own stop within 25 s (src/supervisor/stop-budget.ts STOP_DEADLINE_MS);
#   s6 sends it SIGKILL 26 s after SIGTERM if it has not (the service's timeout-kill);
#   `finish` may take 2 s (timeout-finish);
#   then s6 sends every remaining process SIGTERM and waits S6_KILL_GRACETIME before SIGKILL.
#   s6 always waits that long, and nothing is left by then: 1 s instead of the default 3 s.
# S6_SERVICES_GRACETIME is not set: it only covers legacy /etc/services.d services; an s6-rc
# longrun is waited for until it is down, bounded by its timeout-kill.
ENV S6_KILL_GRACETIME=1000

# The webhook listener's /health (port 8787 inside the container, whatever the host port is).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8787/health > /dev/null || exit 1

# No ENTRYPOINT or CMD: the base image's /init starts s6-overlay and the service above.
