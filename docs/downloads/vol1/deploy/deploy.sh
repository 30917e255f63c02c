#!/usr/bin/env bash
# Push a locally built image to Amazon ECR, tagged `latest` and with the commit it was built from.
#
#   AWS_REGION=eu-west-1 AWS_ACCOUNT_ID=123456789012 IMAGE_NAME=api COMMIT_SHA="$(git rev-parse --short HEAD)" ./deploy.sh
#
# REGISTRY_URL overrides the ECR address (another registry, or a local one in tests).
# AWS credentials come from wherever the AWS CLI finds them (an OIDC role in CI, a profile on a laptop).
set -euo pipefail

# Stop before touching anything when a variable is missing, and say which one.
: "${AWS_REGION:?is not set (the ECR region, e.g. eu-west-1)}"
: "${IMAGE_NAME:?is not set (the local image to push, also the ECR repository name)}"
: "${COMMIT_SHA:?is not set (the commit the image was built from)}"
REGISTRY_URL="${REGISTRY_URL:-${AWS_ACCOUNT_ID:?is not set (or set REGISTRY_URL)}.dkr.ecr.${AWS_REGION}.amazonaws.com}"

# docker login stores the credential on disk: forget it when the script ends, however it ends.
trap 'docker logout "${REGISTRY_URL}" >/dev/null 2>&1 || true' EXIT

# The password travels through a pipe, never on a command line where `ps` and CI logs can see it.
aws ecr get-login-password --region "${AWS_REGION}" |
  docker login --username AWS --password-stdin "${REGISTRY_URL}"

for tag in latest "${COMMIT_SHA}"; do
  docker tag "${IMAGE_NAME}" "${REGISTRY_URL}/${IMAGE_NAME}:${tag}"
  docker push "${REGISTRY_URL}/${IMAGE_NAME}:${tag}"
done
