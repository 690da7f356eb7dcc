# Every target runs on the Node 24 that `make setup` installs into node_modules (npm's node package).
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE := node_modules/.bin/node
FORMAT ?= short
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help setup dev demo test lint format bench bench-chunks loadtest typecheck youtube-auth images up down test-containers deploy

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

setup: ## install system packages (ffmpeg, espeak-ng, fonts, redis) and npm dependencies when missing
	@scripts/setup.sh

dev: setup ## run gateway (127.0.0.1:3000), imagegen and renderer in the foreground
	@$(NODE) scripts/dev.ts

demo: setup ## make a video from the bundled sample story; prints the MP4's path last (FORMAT=short|standard|long)
	@$(NODE) scripts/demo.ts --format $(FORMAT)

test: ## type-check, lint and run every test
	@scripts/setup.sh --test
	@tsc -p tsconfig.json
	@biome check .
	@mkdir -p .tmp
	@vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest-report.json; status=$$?; \
	  $(NODE) scripts/test-summary.ts .tmp/vitest-report.json || true; exit $$status

lint: setup ## biome (lint + format check) and the type checker
	@biome check .
	@tsc -p tsconfig.json

format: setup ## fix formatting and safe lint findings
	@biome check --write .

bench: setup ## render a 60 s short through the renderer and with one hand-written ffmpeg command
	@$(NODE) scripts/bench.ts

loadtest: setup ## POST /v1/videos n=1000 c=10 and 2000 reads c=20 on the native stack, idle then rendering (figures)
	@$(NODE) scripts/loadtest.ts

bench-chunks: setup ## chunked rendering: whole vs 8 chunks one after another, join, projected time with N tasks
	@$(NODE) scripts/bench-chunks.ts --format standard --seconds $(or $(STANDARD_SECONDS),300)
	@$(NODE) scripts/bench-chunks.ts --format long --seconds $(or $(LONG_SECONDS),600)

youtube-auth: setup ## print a YouTube refresh token (needs YOUTUBE_CLIENT_ID, YOUTUBE_CLIENT_SECRET; see the README)
	@$(NODE) scripts/youtube-auth.ts

images: ## build the three container images (tagged with the git revision) and print their sizes
	@scripts/containers/images.sh

up: ## build and start the stack with docker compose (writes a development .env if none; TRACES=1 adds Jaeger)
	@scripts/containers/up.sh

down: ## stop the compose stack (VOLUMES=1 also deletes its videos and Redis data)
	@scripts/containers/down.sh

test-containers: setup ## build the images, run the stack in Docker, make a video through it (minutes; not in make test)
	@$(NODE) test/containers/stack/run.ts

deploy: setup ## build and push the images to ECR, register the task definitions, update the ECS services (ARGS="--dry-run"; docs/deploy.md)
	@$(NODE) scripts/deploy/deploy.ts $(ARGS)
